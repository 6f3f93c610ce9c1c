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

from collections.abc import Sequence
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from webhooks.delivery_log import day_drops, orphan_events, partitions
from webhooks.delivery_log.expiry import (
    Cutoffs,
    Pace,
    Pruned,
    batch_size,
    marks,
    retention,
)
from webhooks.models import (
    DeliveryAttempt,
    EndpointHour,
    WebhookDelivery,
    WebhookEvent,
)

# The run's vocabulary, from expiry, for the callers of count() and prune().
__all__ = ["Cutoffs", "Pruned", "count", "prune", "retention"]


def _finished(statuses: Sequence[str], cutoff: datetime) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(status__in=statuses, created_at__lt=cutoff)


def count(cutoffs: Cutoffs, whole_days: bool = False) -> Pruned:
    """What ``prune`` would delete now, deleting nothing: read off the status index and
    the deliveries' own count of their tries, so it answers in seconds at any size.
    Events are those older than the shortest retention that no kept delivery refers to.
    With ``whole_days``, as ``prune`` goes: nothing of a day that has not all expired."""
    found = Pruned()
    going = Q(pk__in=[])
    below = Q()
    if whole_days and partitions.partitioned():
        expired = day_drops.expired(cutoffs)
        waiting = [p for p in partitions.existing() if p.number > 0 and p not in expired]
        if waiting:
            below = Q(pk__lt=waiting[0].lower)
    for statuses, cutoff in cutoffs.groups():
        finished = _finished(statuses, cutoff).filter(below)
        totals = finished.aggregate(n=Count("pk"), tries=Sum("attempts"))
        found.deliveries += totals["n"]
        found.attempts += totals["tries"] or 0
        going |= Q(status__in=statuses, created_at__lt=cutoff) & below
    if cutoffs.events is not None:
        kept = WebhookDelivery.objects.filter(event=OuterRef("pk")).exclude(going)
        old = WebhookEvent.objects.filter(created_at__lt=cutoffs.events)
        found.events = old.filter(~Exists(kept)).count()
    return found


def prune(cutoffs: Cutoffs, whole_days: bool = False, pace: Pace | None = None) -> Pruned:
    """Deletes what ``cutoffs`` let go, at ``pace`` (by default: no time budget, resting
    after each batch so it works ``WORK_SHARE`` of its time); when the pace's deadline
    passes, stops after the batch that spent it (``complete`` False), so each call makes
    progress.

    On PostgreSQL the days entirely past the retention go whole first (``day_drops``).
    With ``whole_days`` (the retention task), that is all that goes of the day
    partitions: a delivery stays until its whole day has expired, so retention never
    deletes row by row beside the writers; rows outside them (the default partition's,
    the log from before partitioning) still go row by row. Without it (an operator's
    ``--older-than``), the rest of the expired rows go row by row too."""
    pace = pace or Pace()
    pruned, upper, events_cutoff = Pruned(), None, cutoffs.events
    if partitions.partitioned():
        if not day_drops.drop_expired(cutoffs, pruned, pace):
            pruned.complete = False
            return pruned
        days = [p for p in partitions.existing() if p.number > 0]
        if whole_days and days:
            # Row by row: only what lies below the days, and the events older than
            # they are (a day's events go with it).
            upper = days[0].lower - 1
            oldest = partitions.first_created(days[0])
            if events_cutoff is not None and oldest is not None:
                events_cutoff = min(events_cutoff, oldest)
    for statuses, cutoff in cutoffs.groups():
        if not _deliveries(statuses, cutoff, pruned, pace, upper):
            pruned.complete = False
            return pruned
    if events_cutoff is not None:
        if not orphan_events.delete(events_cutoff, pruned, pace, batch_size()):
            pruned.complete = False
            return pruned
        # The hourly counts of tries whose deliveries have gone: a few rows an endpoint.
        EndpointHour.objects.filter(hour__lt=cutoffs.events).delete()
    return pruned


def _deliveries(
    statuses: Sequence[str],
    cutoff: datetime,
    pruned: Pruned,
    pace: Pace,
    upper: int | None = None,
) -> bool:
    """Deletes one group's finished deliveries (with ids up to ``upper``, if given);
    False when the deadline stopped it."""
    finished = _finished(statuses, cutoff)
    if upper is not None:
        finished = finished.filter(pk__lte=upper)
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
        with pace.step():
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
        if pace.out_of_time():
            return False


def _delete_deliveries(ids: list[int], statuses: Sequence[str]) -> tuple[int, int]:
    deliveries = WebhookDelivery._meta.db_table
    attempts = DeliveryAttempt._meta.db_table
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        # The status again, as the row is deleted: replayed meanwhile, it stays. Its
        # attempts go in the same transaction (the foreign key is checked at commit).
        cursor.execute(
            f"DELETE FROM {quote(deliveries)} WHERE id IN ({marks(ids)}) "  # noqa: S608
            f"AND status IN ({marks(statuses)}) RETURNING id",
            [*ids, *statuses],
        )
        gone = [row[0] for row in cursor.fetchall()]
        if not gone:
            return 0, 0
        cursor.execute(
            f"DELETE FROM {quote(attempts)} WHERE delivery_id IN ({marks(gone)})",  # noqa: S608
            gone,
        )
        return len(gone), cursor.rowcount
