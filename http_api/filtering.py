"""Query-string filters with the bounds of their columns: a number no database column can
hold is a 400, never an overflow deep in the database driver."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema_field

BIGINT_MAX = 2**63 - 1


# An id, so generated clients type it as one (django-filter's numbers are decimals).
@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})
class IdFilter(django_filters.NumberFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=BIGINT_MAX, decimal_places=0, **kwargs)


class RangeFilter(django_filters.NumberFilter):
    """A whole number between ``low`` and ``high``."""

    def __init__(self, low: int, high: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=low, max_value=high, decimal_places=0, **kwargs)


class InstantFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time, compared in UTC: Python takes UTC offsets up to a day, which
    PostgreSQL refuses (a 500 schemathesis found: ``-22:03``)."""

    def filter(self, qs: Any, value: Any) -> Any:
        if value is not None:
            value = in_utc(value)
        return super().filter(qs, value)


def in_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; at the ends of the calendar, where that leaves it (year 1 at
    +05:00), the end itself."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        if moment.year == 1:
            return datetime.min.replace(tzinfo=UTC)
        return datetime.max.replace(tzinfo=UTC)
