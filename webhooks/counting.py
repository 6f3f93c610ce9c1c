"""Counting rows of tables that grow with history without reading all of them: a count
that stops at a cap and says so ("10,000+"), read off whatever index serves the query."""

from __future__ import annotations

from typing import Any

COUNT_CAP = 10_000


class AtLeast(int):
    """A count that stopped at its cap: compares as the cap plus one, reads "10,000+"."""

    def __str__(self) -> str:
        return f"{self - 1:,}+"


def capped_count(rows: Any, cap: int = COUNT_CAP) -> int:
    """``rows.count()`` up to ``cap``; past it an ``AtLeast``. One ``LIMIT``ed subquery."""
    # No order: the count reads the first rows any index gives, not the first in order.
    counted = int(rows.order_by()[: cap + 1].count())
    return AtLeast(counted) if counted > cap else counted
