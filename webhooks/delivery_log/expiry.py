"""What retention lets go, and how a run of it is measured: the cutoffs the settings
give, what a run deleted, its batches, and its pace (time budget and share of work)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from webhooks.conf import conf
from webhooks.models import DeliveryStatus

SUCCEEDED = (DeliveryStatus.SUCCEEDED,)
# Failed and cancelled: finished without reaching the receiver, replayable; kept for
# WEBHOOKS_RETENTION_FAILED.
UNDELIVERED = (DeliveryStatus.FAILED, DeliveryStatus.CANCELLED)


def batch_size() -> int:
    """Rows per transaction: SQLite holds its one write lock for each, so its batches
    stay small enough that the senders and the API barely wait."""
    return 5000 if connection.vendor == "postgresql" else 500


@dataclass
class Pruned:
    deliveries: int = 0
    attempts: int = 0
    events: int = 0
    complete: bool = True  # False: stopped at its time budget, more to do


@dataclass(frozen=True)
class Cutoffs:
    """Finished deliveries created before these go; None keeps them all."""

    succeeded: datetime | None
    undelivered: datetime | None

    def groups(self) -> list[tuple[tuple[str, ...], datetime]]:
        found = [(SUCCEEDED, self.succeeded), (UNDELIVERED, self.undelivered)]
        return [(statuses, cutoff) for statuses, cutoff in found if cutoff is not None]

    @property
    def events(self) -> datetime | None:
        """Events older than the shortest retention go once nothing refers to them."""
        cutoffs = [cutoff for _, cutoff in self.groups()]
        return max(cutoffs) if cutoffs else None


def retention(now: datetime) -> Cutoffs:
    """WEBHOOKS_RETENTION and WEBHOOKS_RETENTION_FAILED as of ``now``."""
    kept, kept_failed = conf.retention, conf.retention_failed
    return Cutoffs(
        succeeded=now - kept if kept else None,
        undelivered=now - kept_failed if kept_failed else None,
    )


# Retention works at most this share of its run and rests the remainder, so that on a
# machine it shares with the web and the workers the writers keep 0.8 of their rate:
# at full speed a prune took a core of two and the API's writes fell to 0.63 of their
# rate (docs/performance.md).
WORK_SHARE = 0.3


@dataclass
class Pace:
    """How a run spends its time: it stops at ``deadline`` (a ``clock`` reading, None
    for never), and after each step of work rests long enough that working is only
    ``share`` of its time, as autovacuum's cost delay does for PostgreSQL."""

    deadline: float | None = None
    share: float = WORK_SHARE
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise ValueError(f"a share of the time is in (0, 1], not {self.share}")

    @classmethod
    def within(cls, budget: float) -> Pace:
        """A pace that stops ``budget`` seconds from now."""
        pace = cls()
        pace.deadline = pace.clock() + budget
        return pace

    def out_of_time(self) -> bool:
        return self.deadline is not None and self.clock() > self.deadline

    @contextmanager
    def step(self) -> Iterator[None]:
        """One short transaction's worth of work, then its rest (never past the
        deadline: a run out of time stops rather than rests)."""
        started = self.clock()
        yield
        finished = self.clock()
        rest = (finished - started) * (1 / self.share - 1)
        if self.deadline is not None:
            rest = min(rest, self.deadline - finished)
        if rest > 0:
            self.sleep(rest)


def marks(values: Sequence[Any]) -> str:
    """One ``%s`` per value, for an ``IN (…)`` list."""
    return ", ".join(["%s"] * len(values))
