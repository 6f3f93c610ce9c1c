"""What retention lets go, and how a run of it is measured: the cutoffs the settings
give, what a run deleted, its batches and its time budget."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

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


def out_of_time(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() > deadline
