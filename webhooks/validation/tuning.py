"""An endpoint's own timeout and retry schedule: the settings' syntax and limits, checked
in ``full_clean()`` so the admin, the API and the portal refuse the same values.

A receiving team sets these from the portal, so they are bounded (SPEC §10): a schedule
of 100 zeros sent 101 immediate requests per event to any URL, and one of ``3000000d``
overflowed the date of the next try."""

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
# SPEC §10's bounds on an endpoint's own schedule.
MAX_SCHEDULE_DELAYS = 20
MIN_RETRY_DELAY = timedelta(seconds=1)  # for every delay after the first
MAX_SCHEDULE_SPAN = timedelta(days=30)


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
    """WEBHOOKS_RETRY_SCHEDULE's syntax, delays separated by commas (``5s,5m,1h``), within
    the bounds of ``schedule_refusal``."""
    try:
        delays = parse_schedule(value)
    except InvalidDuration as exc:
        raise ValidationError(str(exc), code="invalid_schedule") from None
    if value and not delays:
        raise ValidationError(
            "Write at least one delay (e.g. 10s,1m), or leave it empty for the default.",
            code="empty_schedule",
        )
    if refusal := schedule_refusal(delays):
        raise ValidationError(refusal, code="schedule_out_of_bounds")


def schedule_refusal(delays: tuple[timedelta, ...]) -> str | None:
    """Why an endpoint may not retry on ``delays``: at most 20 of them, none after the
    first under a second, all of them within 30 days."""
    if len(delays) > MAX_SCHEDULE_DELAYS:
        return f"At most {MAX_SCHEDULE_DELAYS} delays ({MAX_SCHEDULE_DELAYS + 1} tries)."
    if any(delay < MIN_RETRY_DELAY for delay in delays[1:]):
        return "Every delay after the first must be at least 1s."
    if sum(delays, timedelta(0)) > MAX_SCHEDULE_SPAN:
        return (
            f"The delays add up to more than {MAX_SCHEDULE_SPAN.days} days; a delivery "
            "retried for longer is better replayed."
        )
    return None


@lru_cache(maxsize=256)
def parse_schedule(text: str) -> tuple[timedelta, ...]:
    """A schedule as written, parsed once per distinct text: the sender reads one for
    every try."""
    return tuple(parse_durations(text))


def stored_schedule(text: str) -> tuple[timedelta, ...] | None:
    """A schedule read back from the database; ``None`` for WEBHOOKS_RETRY_SCHEDULE: when
    it is empty, or when a value written around ``full_clean()`` (or before the bounds)
    does not parse or is out of bounds (the sender keeps going on the setting rather than
    stop on one bad row)."""
    if not text:
        return None
    try:
        delays = parse_schedule(text)
    except InvalidDuration:
        logger.warning("retry schedule %r does not parse; WEBHOOKS_RETRY_SCHEDULE applies", text)
        return None
    if refusal := schedule_refusal(delays):
        logger.warning("retry schedule %r: %s WEBHOOKS_RETRY_SCHEDULE applies", text, refusal)
        return None
    return delays or None
