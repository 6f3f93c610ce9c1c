"""Keeping the delivery log bounded (SPEC §13): finished deliveries older than their
retention go with their attempts, then the events no delivery refers to any more.
Pending deliveries never go, and neither does anything in flight (a try in flight
belongs to a pending delivery).

The cost is linear in what is deleted. Deliveries are walked in id order within the id
range their age selects, so no batch re-reads what an earlier one deleted (deleting the
first rows of an index over and over made pruning grow with the square of the log;
docs/performance.md). Each batch is one short transaction: a ``DELETE …
RETURNING`` that checks the delivery's status again as it deletes (a delivery replayed
meanwhile stays, with its whole log), then its attempts. Events are walked by
``(created_at, id)`` the same way.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from webhooks.conf import conf
from webhooks.models import (
    DeliveryAttempt,
    DeliveryStatus,
    EndpointHour,
    WebhookDelivery,
    WebhookEvent,
)

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


def _finished(statuses: Sequence[str], cutoff: datetime) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(status__in=statuses, created_at__lt=cutoff)


def _orphans(cutoff: datetime) -> QuerySet[WebhookEvent]:
    referred = WebhookDelivery.objects.filter(event=OuterRef("pk"))
    return WebhookEvent.objects.filter(created_at__lt=cutoff).filter(~Exists(referred))


def count(cutoffs: Cutoffs) -> Pruned:
    """What ``prune`` would delete now, deleting nothing: read off the status index and
    the deliveries' own count of their tries, so it answers in seconds at any size.
    Events are those older than the shortest retention that no kept delivery refers to."""
    found = Pruned()
    going = Q(pk__in=[])
    for statuses, cutoff in cutoffs.groups():
        totals = _finished(statuses, cutoff).aggregate(n=Count("pk"), tries=Sum("attempts"))
        found.deliveries += totals["n"]
        found.attempts += totals["tries"] or 0
        going |= Q(status__in=statuses, created_at__lt=cutoff)
    if cutoffs.events is not None:
        kept = WebhookDelivery.objects.filter(event=OuterRef("pk")).exclude(going)
        old = WebhookEvent.objects.filter(created_at__lt=cutoffs.events)
        found.events = old.filter(~Exists(kept)).count()
    return found


def prune(cutoffs: Cutoffs, budget: float | None = None) -> Pruned:
    """Deletes what ``cutoffs`` let go; with ``budget`` (seconds), stops after the batch
    that spends it (``complete`` False), so each call makes progress."""
    deadline = None if budget is None else time.monotonic() + budget
    pruned = Pruned()
    for statuses, cutoff in cutoffs.groups():
        if not _deliveries(statuses, cutoff, pruned, deadline):
            pruned.complete = False
            return pruned
    if cutoffs.events is not None:
        if not _events(cutoffs.events, pruned, deadline):
            pruned.complete = False
            return pruned
        # The hourly counts of tries whose deliveries have gone: a few rows an endpoint.
        EndpointHour.objects.filter(hour__lt=cutoffs.events).delete()
    return pruned


def _out_of_time(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() > deadline


def _deliveries(
    statuses: Sequence[str], cutoff: datetime, pruned: Pruned, deadline: float | None
) -> bool:
    """Deletes one group's finished deliveries; False when the deadline stopped it."""
    finished = _finished(statuses, cutoff)
    # The newest of them bounds the walk (ids follow creation): one probe of the status
    # index per status, so the walk never scans the newer part of the log.
    newest = [
        finished.filter(status=status)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[:1]
        for status in statuses
    ]
    last_ids = [pk for query in newest for pk in query]
    if not last_ids:
        return True
    upper, after, size = max(last_ids), 0, batch_size()
    while True:
        ids = list(
            finished.filter(pk__gt=after, pk__lte=upper)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return True
        deleted, attempts = _delete_deliveries(ids, statuses)
        pruned.deliveries += deleted
        pruned.attempts += attempts
        after = ids[-1]
        if _out_of_time(deadline):
            return False


def _delete_deliveries(ids: list[int], statuses: Sequence[str]) -> tuple[int, int]:
    deliveries = WebhookDelivery._meta.db_table
    attempts = DeliveryAttempt._meta.db_table
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        # The status again, as the row is deleted: replayed meanwhile, it stays. Its
        # attempts go in the same transaction (the foreign key is checked at commit).
        cursor.execute(
            f"DELETE FROM {quote(deliveries)} WHERE id IN ({_marks(ids)}) "  # noqa: S608
            f"AND status IN ({_marks(statuses)}) RETURNING id",
            [*ids, *statuses],
        )
        gone = [row[0] for row in cursor.fetchall()]
        if not gone:
            return 0, 0
        cursor.execute(
            f"DELETE FROM {quote(attempts)} WHERE delivery_id IN ({_marks(gone)})",  # noqa: S608
            gone,
        )
        return len(gone), cursor.rowcount


def _events(cutoff: datetime, pruned: Pruned, deadline: float | None) -> bool:
    """Deletes the events older than ``cutoff`` that no delivery refers to, walking them
    by ``(created_at, id)``; False when the deadline stopped it."""
    orphans, size = _orphans(cutoff), batch_size()
    id_field = WebhookEvent._meta.get_field("id")
    position: tuple[datetime, Any] | None = None
    while True:
        page = orphans
        if position is not None:
            at, pk = position
            page = page.filter(Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk))
        rows = list(page.order_by("created_at", "pk").values_list("created_at", "pk")[:size])
        if not rows:
            return True
        position = rows[-1]
        ids = [id_field.get_db_prep_value(pk, connection) for _, pk in rows]
        pruned.events += _delete_events(ids)
        if _out_of_time(deadline):
            return False


def _delete_events(ids: list[Any]) -> int:
    events = connection.ops.quote_name(WebhookEvent._meta.db_table)
    deliveries = connection.ops.quote_name(WebhookDelivery._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {events} WHERE id IN ({_marks(ids)}) AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {deliveries} WHERE event_id = {events}.id)",
            ids,
        )
        return int(cursor.rowcount)


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))
