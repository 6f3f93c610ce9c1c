"""Retention a day at a time on PostgreSQL: a day partition whose newest delivery is
past the retention goes whole (``DETACH`` and ``DROP``, milliseconds at any size),
with its attempts. What it holds that must stay (pending deliveries, and failed or
cancelled ones kept longer) is copied into the default partition first, in the same
transaction, where row-by-row pruning finds it later.

The tables are locked only for that transaction, and never waited on for long
(``partitions.lock_log``): a day whose tables stay busy is tried again a few times,
then left to the next run.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import OperationalError, connection, transaction

from webhooks.delivery_log import partitions
from webhooks.delivery_log.expiry import Cutoffs, Pace, Pruned
from webhooks.delivery_log.partitions import Partition
from webhooks.models import DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookEvent

logger = logging.getLogger(__name__)

EVENTS_PER_BATCH = 5000
RETRY_WAITS = (0.1, 0.2, 0.5, 1.0, 2.0, None)  # between tries of a busy day's drop


def newest_created(partition: Partition) -> datetime | None:
    """The newest delivery's creation in ``partition``: one probe of the status index
    per status, not a scan of the day."""
    statuses = ", ".join(f"('{status.value}')" for status in DeliveryStatus)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT max(newest.created_at) FROM (VALUES {statuses}) AS s(status) "  # noqa: S608
            f"CROSS JOIN LATERAL (SELECT created_at FROM "
            f"{partition.of(partitions.deliveries_table())} AS d WHERE d.status = s.status "
            f"ORDER BY created_at DESC LIMIT 1) AS newest"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def expired(cutoffs: Cutoffs) -> list[Partition]:
    """The day partitions every delivery of which is older than the succeeded
    retention, oldest first. Never the newest partition (the one being written) nor
    ``p0``, the log from before partitioning, which pruning takes row by row."""
    if cutoffs.succeeded is None:
        return []
    found = []
    for partition in partitions.existing()[:-1]:
        if partition.number == 0:
            continue
        newest = newest_created(partition)
        if newest is not None and newest >= cutoffs.succeeded:
            break  # ids follow creation: the later ones are younger still
        found.append(partition)
    return found


def _kept(cutoffs: Cutoffs) -> tuple[str, list[Any]]:
    """The rows of an expired day that stay, as SQL over alias ``d`` with its
    parameters, each part led by the status so the day's status index finds them:
    pending ones (a replay may have made one so since ``expired`` looked), failed and
    cancelled ones younger than their own retention, and succeeded ones younger than
    theirs (``expired`` found none, so they could only be a clock's skew)."""
    pending, succeeded = DeliveryStatus.PENDING.value, DeliveryStatus.SUCCEEDED.value
    undelivered = [DeliveryStatus.FAILED.value, DeliveryStatus.CANCELLED.value]
    failed_params: list[Any] = list(undelivered)
    if cutoffs.undelivered is None:
        failed_kept = "d.status IN (%s, %s)"
    else:
        failed_kept = "(d.status IN (%s, %s) AND d.created_at >= %s)"
        failed_params.append(cutoffs.undelivered)
    return (
        f"d.status = %s OR {failed_kept} OR (d.status = %s AND d.created_at >= %s)",
        [pending, *failed_params, succeeded, cutoffs.succeeded],
    )


def _columns(model: type[WebhookDelivery] | type[DeliveryAttempt]) -> str:
    return ", ".join(str(field.column) for field in model._meta.concrete_fields)


@dataclass
class Dropped:
    deliveries: int
    attempts: int
    event_ids: list[Any]  # the events the day's deliveries belonged to


def drop(partition: Partition, cutoffs: Cutoffs) -> Dropped | None:
    """Drops one expired day; what went, or None when the tables stayed busy."""
    deliveries, attempts = partitions.deliveries_table(), partitions.attempts_table()
    day, day_attempts = partition.of(deliveries), partition.of(attempts)
    kept, params = _kept(cutoffs)
    delivery_columns, attempt_columns = _columns(WebhookDelivery), _columns(DeliveryAttempt)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            partitions.lock_log(cursor)
            # The day's attempts refer to the day's deliveries only: both leave
            # without reading any other day.
            cursor.execute(f"ALTER TABLE {attempts} DETACH PARTITION {day_attempts}")
            cursor.execute(f"ALTER TABLE {deliveries} DETACH PARTITION {day}")
            # What must stay moves out in the same transaction, so no sender ever
            # misses a pending delivery (read off the day's status index).
            cursor.execute(
                f"INSERT INTO {deliveries} ({delivery_columns}) "  # noqa: S608
                f"SELECT {delivery_columns} FROM {day} AS d WHERE {kept} RETURNING id",
                params,
            )
            moved = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                f"INSERT INTO {attempts} ({attempt_columns}) "  # noqa: S608
                f"SELECT {attempt_columns} FROM {day_attempts} WHERE delivery_id = ANY(%s)",
                [moved],
            )
            moved_attempts = cursor.rowcount
    except OperationalError as exc:
        logger.warning("day %s of the log stays until the next run: %s", partition.number, exc)
        return None
    # Detached, the day is ours alone: read without holding anyone up, then dropped.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM {day}), "  # noqa: S608
            f"(SELECT count(*) FROM {day_attempts})"
        )
        total, total_attempts = cursor.fetchone()
    event_ids = discard(partition)
    return Dropped(total - len(moved), total_attempts - moved_attempts, event_ids or [])


def discard(partition: Partition) -> list[Any] | None:
    """Drops a detached day's tables; the events its deliveries belonged to, or None
    when busy (the tables stay for the next run's ``discard_leftovers``). Their foreign
    key's triggers live on the endpoints, so this locks those for a moment. The day's
    events go once the day is gone for good."""
    day = partition.of(partitions.deliveries_table())
    day_attempts = partition.of(partitions.attempts_table())
    with connection.cursor() as cursor:  # ours alone: read before anything is locked
        cursor.execute(f"SELECT DISTINCT event_id FROM {day}")  # noqa: S608
        event_ids = [row[0] for row in cursor.fetchall()]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            partitions.lock_referenced(cursor)
            cursor.execute(f"DROP TABLE {day_attempts}, {day}")
    except OperationalError as exc:
        logger.warning("day %s of the log is detached, dropped next run: %s", partition.number, exc)
        return None
    return event_ids


def discard_leftovers(pruned: Pruned, pace: Pace) -> None:
    """Drops the days a run detached but could not drop, then their events."""
    for partition in partitions.detached():
        with pace.step():
            event_ids = discard(partition)
        if event_ids is not None:
            pruned.events += delete_events(event_ids, partition, pace)


def delete_events(event_ids: list[Any], partition: Partition, pace: Pace) -> int:
    """Deletes the events of a dropped day that no delivery refers to any more, in short
    transactions after the drop's. An event's deliveries are written in the event's
    own transaction, so they lie in its day or, across a roll, the next one, or in the
    default partition if a drop kept them: the check reads only those, not every
    day's index."""
    events = connection.ops.quote_name(WebhookEvent._meta.db_table)
    deliveries = partitions.deliveries_table()
    bound = Partition(partition.number + 1).upper
    deleted = 0
    for start in range(0, len(event_ids), EVENTS_PER_BATCH):
        batch = event_ids[start : start + EVENTS_PER_BATCH]
        with pace.step(), transaction.atomic(), connection.cursor() as cursor:
            # A subquery per event, not NOT EXISTS: PostgreSQL turns that into a hash
            # anti-join reading all of the next day for every batch; this probes the
            # event index of the few partitions below the bound, an event at a time.
            cursor.execute(
                f"DELETE FROM {events} WHERE id = ANY(%s) AND (SELECT 1 FROM "  # noqa: S608
                f"{deliveries} AS d WHERE d.event_id = {events}.id AND d.id < %s LIMIT 1) "
                f"IS NULL",
                [batch, bound],
            )
            deleted += cursor.rowcount
    return deleted


def _drop_soon(partition: Partition, cutoffs: Cutoffs, pace: Pace) -> Dropped | None:
    for wait in RETRY_WAITS:
        with pace.step():
            dropped = drop(partition, cutoffs)
        if dropped is not None or wait is None:
            return dropped
        time.sleep(wait)  # the transactions holding the tables are short
    return None


def drop_expired(cutoffs: Cutoffs, pruned: Pruned, pace: Pace) -> bool:
    """Drops every expired day, oldest first, counting into ``pruned``; False when the
    deadline stopped it before the last (a busy day waits for the next run)."""
    discard_leftovers(pruned, pace)
    for partition in expired(cutoffs):
        if pace.out_of_time():
            return False
        dropped = _drop_soon(partition, cutoffs, pace)
        if dropped is None:
            return True
        events = delete_events(dropped.event_ids, partition, pace)
        pruned.deliveries += dropped.deliveries
        pruned.attempts += dropped.attempts
        pruned.events += events
        logger.info(
            "retention dropped day %s of the log: %s deliveries, %s attempts, %s events",
            partition.number,
            dropped.deliveries,
            dropped.attempts,
            events,
        )
    return True
