"""Lists of ids cut to what one SQL statement may carry."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

# SQLite allows 999 parameters per statement; leave room for the fixed ones.
IDS_PER_STATEMENT = 900

T = TypeVar("T")


def chunked(ids: Sequence[T]) -> Iterator[Sequence[T]]:
    """``ids`` in pieces small enough for one statement's parameters on SQLite."""
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        yield ids[start : start + IDS_PER_STATEMENT]
