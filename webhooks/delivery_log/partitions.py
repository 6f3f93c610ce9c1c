"""The delivery log by day on PostgreSQL (SPEC §13): deliveries, and their attempts
with them, live in partitions of ``STRIDE`` delivery ids each, one a day, so
retention drops a day whole in milliseconds instead of deleting it row by row.

A partition is a range of ids, not of dates, so every key Django knows stays as it is
(a table partitioned by date would need the date in every key and in every foreign key
to it). Ids follow creation, so a range is a stretch of time: ``roll`` starts the next
range once the newest has held a day, by creating its partitions and moving the id
sequence to its start. If nothing rolls (the worker is down for a week) the newest
partition simply holds more than a day. The first partition, ``p0``, is the log as it
was before partitioning, of any age; the default partition takes the rows a drop keeps
(pending deliveries, failed ones kept longer), which pruning then deletes row by row.

Migration 0017 made the tables; SQLite has none of this and prunes row by row.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import OperationalError, connection, transaction

from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

STRIDE = 2**32  # ids a partition holds: far more than a day can use
DAY = timedelta(days=1)
# DDL on the log waits at most this long for its tables, then gives up and tries again
# later: every writer that comes meanwhile queues behind it, so the wait is what the
# writers may lose. Never more than half the server's deadlock_timeout, so a sender or
# a writer is never the one PostgreSQL picks to break a deadlock: the DDL gives up first.
LOCK_WAIT_MS = 100
_NUMBERED = re.compile(r"_p(\d+)$")


def _wait_briefly(cursor: Any) -> None:
    cursor.execute(
        "SELECT set_config('lock_timeout', LEAST(%s, (EXTRACT(EPOCH FROM "
        "current_setting('deadlock_timeout')::interval) * 500))::int::text, true)",
        [LOCK_WAIT_MS],
    )


def _referenced() -> str:
    # The one table the days' foreign keys refer to (migration 0017 has why not the
    # events).
    return WebhookEndpoint._meta.db_table


def lock_log(cursor: Any) -> None:
    """Takes what DDL on the log's partitions needs, all of it before any work: the two
    tables, and the endpoints against writes (a detached or created partition of
    deliveries removes or adds the triggers of its foreign key there). Waits at most
    ``LOCK_WAIT_MS`` for them."""
    _wait_briefly(cursor)
    # Endpoints first: writers read them (which this lock lets them) before writing
    # deliveries, so a writer between the two statements waits on neither.
    cursor.execute(f"LOCK TABLE {_referenced()} IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute(f"LOCK TABLE {deliveries_table()}, {attempts_table()} IN ACCESS EXCLUSIVE MODE")


def lock_referenced(cursor: Any) -> None:
    """What dropping a detached day needs: its foreign key's triggers go from the
    endpoints."""
    _wait_briefly(cursor)
    cursor.execute(f"LOCK TABLE {_referenced()} IN ACCESS EXCLUSIVE MODE")


def detached() -> list[Partition]:
    """Day tables no longer attached to the log: left by a drop that was busy."""
    pattern = f"^{deliveries_table()}_p[0-9]+$"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname ~ %s AND relkind = 'r' "
            "AND NOT relispartition",
            [pattern],
        )
        names = [row[0] for row in cursor.fetchall()]
    found = (_NUMBERED.search(name) for name in names)
    return sorted(Partition(int(match.group(1))) for match in found if match)


def deliveries_table() -> str:
    return WebhookDelivery._meta.db_table


def attempts_table() -> str:
    return DeliveryAttempt._meta.db_table


@dataclass(frozen=True, order=True)
class Partition:
    number: int

    @property
    def lower(self) -> int:
        return self.number * STRIDE

    @property
    def upper(self) -> int:
        return (self.number + 1) * STRIDE

    def of(self, table: str) -> str:
        return f"{table}_p{self.number}"


def partitioned() -> bool:
    """Whether this database keeps the log in partitions (PostgreSQL after 0017)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass)",
            [deliveries_table()],
        )
        return bool(cursor.fetchone()[0])


def existing() -> list[Partition]:
    """The numbered partitions of the deliveries, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [deliveries_table()],
        )
        names = [row[0] for row in cursor.fetchall()]
    found = (_NUMBERED.search(name) for name in names)
    return sorted(Partition(int(match.group(1))) for match in found if match)


def _sequence() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [deliveries_table()])
        return str(cursor.fetchone()[0])


def first_created(partition: Partition) -> datetime | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT created_at FROM {partition.of(deliveries_table())} "  # noqa: S608
            "ORDER BY id LIMIT 1"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def roll(now: datetime) -> Partition | None:
    """Starts the next day's partition when the newest has held deliveries for a day;
    the new one, or None. The retention task calls it every run."""
    newest = existing()[-1:]
    if not newest:
        return None
    since = first_created(newest[0])
    if since is None or since > now - DAY:
        return None
    return start_next()


def start_next() -> Partition | None:
    """Creates the partition after the newest and moves the id sequence to its start,
    so the next delivery is its first; None when the tables were busy."""
    deliveries, attempts = deliveries_table(), attempts_table()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value FROM {_sequence()}")  # noqa: S608
        (last_id,) = cursor.fetchone()
    # Above the sequence as well as the newest partition: a sequence never goes back
    # (setval outlives a rolled-back transaction, so it may be ahead of the tables).
    following = Partition(max(existing()[-1].number, last_id // STRIDE) + 1)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            lock_log(cursor)
            for table in (deliveries, attempts):
                cursor.execute(
                    f"CREATE TABLE {following.of(table)} PARTITION OF {table} "
                    f"FOR VALUES FROM ({following.lower}) TO ({following.upper})"
                )
            # One delivery per endpoint and event, as far as one partition can hold it:
            # a unique rule across partitions would need the id in it.
            cursor.execute(
                f"CREATE UNIQUE INDEX {following.of(deliveries)}_one_per_endpoint "
                f"ON {following.of(deliveries)} (event_id, endpoint_id)"
            )
            # An attempt's delivery has an id of the same range: each partition of
            # attempts refers to its own of deliveries, so a day leaves without a
            # check that reads every other day's attempts.
            cursor.execute(
                f"ALTER TABLE {following.of(attempts)} ADD FOREIGN KEY (delivery_id) "
                f"REFERENCES {following.of(deliveries)} (id) DEFERRABLE INITIALLY DEFERRED"
            )
            cursor.execute("SELECT setval(%s, %s, false)", [_sequence(), following.lower])
    except OperationalError as exc:
        logger.warning("the log's next partition waits for the next run: %s", exc)
        return None
    logger.info("started the delivery log's partition %s", following.number)
    return following
