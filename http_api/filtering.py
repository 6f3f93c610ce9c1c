"""Query-string filters with the bounds of their columns: a number no database column can
hold is a 400, never an overflow deep in the database driver."""

from __future__ import annotations

from typing import Any

import django_filters

BIGINT_MAX = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=BIGINT_MAX, decimal_places=0, **kwargs)


class RangeFilter(django_filters.NumberFilter):
    """A whole number between ``low`` and ``high``."""

    def __init__(self, low: int, high: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=low, max_value=high, decimal_places=0, **kwargs)
