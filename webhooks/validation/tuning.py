"""An endpoint's own timeout and retry schedule: the settings' syntax and limits, checked
in ``full_clean()`` so the admin, the API and the portal refuse the same values."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache

from django.core.exceptions import ValidationError

from webhooks.conf import conf
from webhooks.durations import parse_durations
from webhooks.exceptions import InvalidDuration

logger = logging.getLogger(__name__)

# The column's width; a schedule this long is already weeks of retries.
MAX_SCHEDULE_CHARS = 200


def timeout_fits(value: float) -> bool:
    """Above zero and below WEBHOOKS_LEASE, as the system check asks of WEBHOOKS_TIMEOUT:
    a try that outlasts the dispatcher's claim could be sent twice."""
    return 0 < value < conf.lease.total_seconds()


def validate_timeout(value: float | None) -> None:
    if value is None or timeout_fits(value):
        return
    raise ValidationError(
        "The timeout must be above 0 and below WEBHOOKS_LEASE (%(lease)gs), or a slow try "
        "loses its claim and is sent twice.",
        code="timeout_out_of_range",
        params={"lease": conf.lease.total_seconds()},
    )


def validate_retry_schedule(value: str) -> None:
    """WEBHOOKS_RETRY_SCHEDULE's syntax: delays separated by commas (``5s,5m,1h``)."""
    try:
        delays = parse_schedule(value)
    except InvalidDuration as exc:
        raise ValidationError(str(exc), code="invalid_schedule") from None
    if value and not delays:
        raise ValidationError(
            "Write at least one delay (e.g. 10s,1m), or leave it empty for the default.",
            code="empty_schedule",
        )


@lru_cache(maxsize=256)
def parse_schedule(text: str) -> tuple[timedelta, ...]:
    """A schedule as written, parsed once per distinct text: the sender reads one for
    every try."""
    return tuple(parse_durations(text))


def stored_schedule(text: str) -> tuple[timedelta, ...] | None:
    """A schedule read back from the database; ``None`` for WEBHOOKS_RETRY_SCHEDULE: when
    it is empty, or when a value written around ``full_clean()`` does not parse (the
    sender keeps going on the setting rather than stop on one bad row)."""
    if not text:
        return None
    try:
        return parse_schedule(text) or None
    except InvalidDuration:
        logger.warning("retry schedule %r does not parse; WEBHOOKS_RETRY_SCHEDULE applies", text)
        return None
