"""Durations written the way operators write them: ``200ms``, ``0.2s``, ``5m``, ``2h``,
``3d``, ``1w``; a bare number means seconds."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from webhooks.exceptions import InvalidDuration, InvalidMoment

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if not match:
        raise InvalidDuration(
            f"{text!r} is not a duration: write a number and a unit, e.g. 0.5s, 5m, 2h, 3d"
        )
    number, unit = match.groups()
    try:
        return timedelta(seconds=float(number) * _UNITS[(unit or "s").lower()])
    except OverflowError:
        raise InvalidDuration(f"{text!r} is longer than any duration we can count") from None


def parse_durations(text: str) -> list[timedelta]:
    """A comma-separated list; empty means none."""
    return [parse_duration(part) for part in text.split(",") if part.strip()]


def format_duration(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def format_durations(deltas: Sequence[timedelta]) -> str:
    """A schedule as WEBHOOKS_RETRY_SCHEDULE is written: ``5s,5m,30m``."""
    return ",".join(format_duration(delta) for delta in deltas)


def parse_moment(text: str, now: datetime) -> datetime:
    """A point in time as an operator types it: ISO 8601 (``2026-11-24``,
    ``2026-11-24T10:00``, with or without an offset; without one it is in the site's
    time zone), or a duration back from ``now`` (``30m``, ``2h``, ``3d``)."""
    try:
        return now - parse_duration(text)
    except InvalidDuration:
        pass
    except OverflowError:
        raise InvalidMoment(f"{text!r} reaches back before any time we can count") from None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidMoment(
            f"{text!r} is not a time: write ISO 8601 (2026-11-24 or 2026-11-24T10:00Z) "
            "or a duration back from now (30m, 2h, 3d)"
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    try:
        # In UTC: Python takes offsets up to a day, which PostgreSQL refuses.
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidMoment(f"{text!r} reaches back before any time we can count") from None
