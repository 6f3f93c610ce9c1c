"""The log by day on PostgreSQL (SPEC §13): deliveries and their attempts in a
partition a day, the retention task rolling to the next day and dropping expired
days whole, what must stay (pending, failed kept longer) kept with its attempts."""

from __future__ import annotations

import os
from datetime import timedelta
from io import StringIO
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from pytest_django import Settings

from tests.support.factories import make_delivery, make_endpoint
from webhooks.delivery_log import day_drops, partitions, pruning, retention
from webhooks.delivery_log.partitions import Partition
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the log is partitioned on PostgreSQL only (SQLite prunes row by row)",
    ),
]


def checked() -> None:
    """The test's rows are written in the transaction the test runs in: their deferred
    foreign-key checks are run now, not at a commit that never comes, as a table with
    a check still pending cannot be dropped (the task runs in its own transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def apply() -> pruning.Pruned:
    checked()
    return retention.apply()


def days_ago(days: float) -> Any:
    return timezone.now() - timedelta(days=days)


def partition_of(table: str, pk: int, column: str = "id") -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text FROM {table} WHERE {column} = %s",  # noqa: S608
            [pk],
        )
        return str(cursor.fetchone()[0])


def new_day() -> Partition:
    started = partitions.start_next()
    assert started is not None
    return started


def test_a_new_day_takes_the_next_deliveries_and_their_attempts() -> None:
    assert partitions.partitioned()
    assert partitions.existing()[0] == Partition(0)

    day = new_day()
    delivery = make_delivery(status="failed", attempts=2)

    assert delivery.pk == day.lower
    assert partitions.existing()[-1] == day
    deliveries, attempts = partitions.deliveries_table(), partitions.attempts_table()
    assert partition_of(deliveries, delivery.pk) == day.of(deliveries)
    assert partition_of(attempts, delivery.pk, "delivery_id") == day.of(attempts)


def test_roll_starts_a_day_once_the_newest_has_held_one() -> None:
    day = new_day()
    make_delivery(status="succeeded", created_at=days_ago(0.5))

    assert partitions.roll(timezone.now()) is None
    assert partitions.roll(timezone.now() + timedelta(days=1)) == Partition(day.number + 1)
    assert partitions.roll(timezone.now() + timedelta(days=1)) is None  # the new one is empty


def test_retention_drops_an_expired_day_whole_and_keeps_what_must_stay(
    settings: Settings,
) -> None:
    settings.WEBHOOKS_RETENTION = "30d"
    settings.WEBHOOKS_RETENTION_FAILED = "90d"
    endpoint = make_endpoint()
    old = new_day()
    success = make_delivery(endpoint, status="succeeded", attempts=1, created_at=days_ago(40))
    failure = make_delivery(endpoint, status="failed", attempts=3, created_at=days_ago(40))
    pending = make_delivery(endpoint, status="pending", attempts=2, created_at=days_ago(40))
    new_day()
    recent = make_delivery(endpoint, status="succeeded", attempts=1, created_at=days_ago(1))

    pruned = apply()

    assert old not in partitions.existing()
    assert (pruned.deliveries, pruned.attempts, pruned.events) == (1, 1, 1)
    kept = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert kept == {failure.pk, pending.pk, recent.pk}
    assert not WebhookEvent.objects.filter(pk=success.event_id).exists()
    assert WebhookEvent.objects.filter(pk__in=[failure.event_id, pending.event_id]).count() == 2
    # Kept as they were, ids and tries and all, in the default partition.
    default = f"{partitions.deliveries_table()}_default"
    assert partition_of(partitions.deliveries_table(), pending.pk) == default
    assert DeliveryAttempt.objects.filter(delivery=pending).count() == 2
    assert DeliveryAttempt.objects.filter(delivery=failure).count() == 3
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == ("pending", 2)
    # Rows kept there go row by row once their own retention is over.
    settings.WEBHOOKS_RETENTION_FAILED = "30d"
    assert apply().deliveries == 1
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {pending.pk, recent.pk}


def test_retention_keeps_a_day_until_all_of_it_has_expired(settings: Settings) -> None:
    """The task goes by whole days (a delivery stays at most a day past its
    retention); an operator's explicit age is exact."""
    settings.WEBHOOKS_RETENTION = "30d"
    new_day()
    older = make_delivery(status="succeeded", attempts=1, created_at=days_ago(31))
    make_delivery(status="succeeded", attempts=1, created_at=days_ago(29.5))
    new_day()
    make_delivery(status="succeeded", attempts=1, created_at=days_ago(1))

    assert pruning.count(pruning.retention(timezone.now()), whole_days=True).deliveries == 0
    assert pruning.count(pruning.retention(timezone.now())).deliveries == 1
    assert apply().deliveries == 0
    out = StringIO()
    call_command("prune_webhook_log", stdout=out)
    assert out.getvalue().startswith("Deleted 0 deliveries")
    assert WebhookDelivery.objects.filter(pk=older.pk).exists()

    checked()
    call_command("prune_webhook_log", "--older-than", "30d", stdout=StringIO())
    assert not WebhookDelivery.objects.filter(pk=older.pk).exists()
    assert WebhookDelivery.objects.count() == 2


def test_the_newest_day_and_the_log_from_before_stay_out_of_drops() -> None:
    before = make_delivery(status="succeeded", created_at=days_ago(60))  # below the days
    new_day()
    make_delivery(status="succeeded", created_at=days_ago(50))
    cutoffs = pruning.Cutoffs(days_ago(30), days_ago(30))

    assert day_drops.expired(cutoffs) == []  # p0 goes row by row, the newest is written
    assert day_drops.expired(pruning.Cutoffs(None, days_ago(30))) == []

    checked()
    pruned = pruning.prune(cutoffs, whole_days=True)
    assert pruned.deliveries == 1  # the one from before partitioning, row by row
    assert not WebhookDelivery.objects.filter(pk=before.pk).exists()


def other_connection() -> psycopg.Connection[Any]:
    info = connection.settings_dict
    return psycopg.connect(
        dbname=info["NAME"], host=info["HOST"], port=info["PORT"] or None, user=info["USER"]
    )


@pytest.mark.django_db(transaction=True)
def test_a_busy_log_keeps_its_day_until_the_next_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(partitions, "LOCK_WAIT_MS", 20)
    monkeypatch.setattr(day_drops, "RETRY_WAITS", (None,))
    day = new_day()
    old = make_delivery(status="succeeded", created_at=days_ago(40))
    new_day()
    make_delivery(status="succeeded", created_at=days_ago(1))
    cutoffs = pruning.Cutoffs(days_ago(30), days_ago(30))
    reader = other_connection()
    try:
        with reader.cursor() as cursor:  # a long read of the log, in a transaction
            cursor.execute(f"SELECT count(*) FROM {partitions.deliveries_table()}")  # noqa: S608

            assert day_drops.drop(day, cutoffs) is None
            assert partitions.start_next() is None
        reader.rollback()
        with reader.cursor() as cursor:  # a long read of the endpoints: the day leaves the
            cursor.execute("SELECT count(*) FROM webhooks_webhookendpoint")  # log, stays

            dropped = day_drops.drop(day, cutoffs)
            assert dropped is not None
            assert dropped.event_ids == []  # the detached day still refers to its event
            assert partitions.detached() == [day]
        reader.rollback()
    finally:
        reader.close()
    assert day not in partitions.existing()
    assert WebhookEvent.objects.filter(pk=old.event_id).exists()

    pruned = pruning.prune(cutoffs)  # the next run drops what the last left

    assert partitions.detached() == []
    assert pruned.events >= 1
    assert not WebhookEvent.objects.filter(pk=old.event_id).exists()
