"""Migrations that change data: forward on rows as the previous release left them, and
back."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.support.columns import stored_column
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("webhooks", "0007_overview_page")]
SEALED = [("webhooks", "0008_sealed_headers")]


@pytest.fixture
def executor() -> Iterator[MigrationExecutor]:
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    yield executor
    executor.loader.build_graph()
    executor.migrate(latest)


def test_sealed_headers_encrypts_stored_values_and_redacts_recorded_ones(
    executor: MigrationExecutor,
) -> None:
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    endpoint = old.get_model("webhooks", "WebhookEndpoint").objects.create(
        url="https://hooks.example.com/in",
        secret="whsec_" + "A" * 32,
        headers={"X-Team": "t34m-credential"},
    )
    bare = old.get_model("webhooks", "WebhookEndpoint").objects.create(
        url="https://hooks.example.com/bare", secret="whsec_" + "B" * 32
    )
    event = old.get_model("webhooks", "WebhookEvent").objects.create(type="x", payload="{}")
    delivery = old.get_model("webhooks", "WebhookDelivery").objects.create(
        event=event, endpoint=endpoint
    )
    old.get_model("webhooks", "DeliveryAttempt").objects.create(
        delivery=delivery,
        number=1,
        started_at=timezone.now(),
        duration_ms=1,
        request_headers={"X-Team": "t34m-credential", "webhook-id": "msg_1"},
    )

    executor.loader.build_graph()
    executor.migrate(SEALED)

    # Only the columns 0008 knows: later migrations add others to the model.
    at_0008 = WebhookEndpoint.objects.only("id", "headers")
    sealed = at_0008.get(pk=endpoint.pk)
    assert sealed.headers == {"X-Team": "t34m-credential"}
    assert "t34m" not in stored_column(sealed, "headers")
    assert stored_column(at_0008.get(pk=bare.pk), "headers") == ""
    (attempt,) = DeliveryAttempt.objects.all()
    assert attempt.request_headers == {"X-Team": "[redacted]", "webhook-id": "msg_1"}

    executor.loader.build_graph()
    executor.migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT headers FROM webhooks_webhookendpoint WHERE id = %s", [endpoint.pk])
        (raw,) = cursor.fetchone()
    assert (json.loads(raw) if isinstance(raw, str) else raw) == {"X-Team": "t34m-credential"}


UNIQUE_NUMBERS = [("webhooks", "0009_attempt_numbers_unique")]


def test_attempts_logged_twice_under_one_number_are_renumbered_in_the_order_they_started(
    executor: MigrationExecutor,
) -> None:
    executor.migrate(SEALED)
    old = executor.loader.project_state(SEALED).apps
    endpoint = old.get_model("webhooks", "WebhookEndpoint").objects.create(
        url="https://hooks.example.com/in", secret="whsec_" + "A" * 32
    )
    events = old.get_model("webhooks", "WebhookEvent")
    deliveries = old.get_model("webhooks", "WebhookDelivery")
    twice, once = (
        deliveries.objects.create(
            event=events.objects.create(type="x", payload="{}"), endpoint=endpoint, attempts=1
        )
        for _ in range(2)
    )
    attempts = old.get_model("webhooks", "DeliveryAttempt")
    started = timezone.now()
    for delivery, offset, status in ((twice, 2, 204), (twice, 1, 500), (once, 0, 200)):
        attempts.objects.create(
            delivery=delivery,
            number=1,
            started_at=started + timedelta(seconds=offset),
            duration_ms=1,
            status_code=status,
        )

    executor.loader.build_graph()
    executor.migrate(UNIQUE_NUMBERS)

    log = DeliveryAttempt.objects.filter(delivery_id=twice.pk)
    assert list(log.values_list("number", "status_code")) == [(1, 500), (2, 204)]
    assert DeliveryAttempt.objects.get(delivery_id=once.pk).number == 1
    # Only the columns 0009 knows: later migrations add others to the model.
    at_0009 = WebhookDelivery.objects.only("id", "attempts")
    assert at_0009.get(pk=twice.pk).attempts == 2
    assert at_0009.get(pk=once.pk).attempts == 1


FORMATS_FLOATING = [("webhooks", "0012_failing_announced")]
FORMATS_PINNED = [("webhooks", "0013_pinned_delivery_and_endpoint_tuning")]


def test_deliveries_made_before_pinning_keep_their_endpoints_format(
    executor: MigrationExecutor,
) -> None:
    executor.migrate(FORMATS_FLOATING)
    old = executor.loader.project_state(FORMATS_FLOATING).apps
    endpoints = old.get_model("webhooks", "WebhookEndpoint")
    discord = endpoints.objects.create(
        url="https://discord.com/api/webhooks/1/x", secret="whsec_" + "A" * 32, format="discord"
    )
    plain = endpoints.objects.create(
        url="https://hooks.example.com/in", secret="whsec_" + "B" * 32, format="standard"
    )
    event = old.get_model("webhooks", "WebhookEvent").objects.create(
        type="testimonial.created",
        payload='{"type":"testimonial.created","timestamp":"2026-12-05T10:00:00.000000Z",'
        '"data":{"testimonial":{"id":1,"content":"Fine"}}}',
    )
    deliveries = old.get_model("webhooks", "WebhookDelivery")
    to_discord = deliveries.objects.create(event=event, endpoint=discord)
    to_plain = deliveries.objects.create(event=event, endpoint=plain)

    executor.loader.build_graph()
    executor.migrate(FORMATS_PINNED)

    pinned = WebhookDelivery.objects.get(pk=to_discord.pk)
    assert (pinned.format, pinned.body) == ("discord", None)
    assert "embeds" in json.loads(pinned.request_body())
    WebhookEndpoint.objects.filter(pk=discord.pk).update(format="standard")
    assert "embeds" in json.loads(WebhookDelivery.objects.get(pk=to_discord.pk).request_body())
    untouched = WebhookDelivery.objects.get(pk=to_plain.pk)
    assert (untouched.format, untouched.request_body()) == ("standard", event.payload)


TRUST_SECOND_ROUND = [("webhooks", "0014_trust_second_round")]


def test_stored_header_values_are_bound_to_their_endpoints_origin(
    executor: MigrationExecutor,
) -> None:
    executor.migrate(FORMATS_PINNED)
    old = executor.loader.project_state(FORMATS_PINNED).apps
    endpoint = old.get_model("webhooks", "WebhookEndpoint").objects.create(
        url="https://Hooks.Example.com/in?token=x", secret="whsec_" + "A" * 32
    )

    executor.loader.build_graph()
    executor.migrate(TRUST_SECOND_ROUND)

    bound = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert bound.headers_origin == "https://hooks.example.com:443"
    assert bound.keeps_headers_at(bound.url)


ENDPOINT_LOG_INDEX = [("webhooks", "0016_endpoint_log_index")]
PARTITIONED_LOG = [("webhooks", "0017_partitioned_log")]


def test_the_log_becomes_partitions_by_day_with_its_rows_and_back(
    executor: MigrationExecutor,
) -> None:
    executor.migrate(ENDPOINT_LOG_INDEX)
    old = executor.loader.project_state(ENDPOINT_LOG_INDEX).apps
    endpoint = old.get_model("webhooks", "WebhookEndpoint").objects.create(
        url="https://hooks.example.com/in", secret="whsec_" + "A" * 32
    )
    event = old.get_model("webhooks", "WebhookEvent").objects.create(type="t", payload="{}")
    delivery = old.get_model("webhooks", "WebhookDelivery").objects.create(
        event_id=event.pk, endpoint_id=endpoint.pk, status="failed", attempts=1
    )
    old.get_model("webhooks", "DeliveryAttempt").objects.create(
        delivery_id=delivery.pk, number=1, started_at=timezone.now(), duration_ms=5, status_code=500
    )

    executor.loader.build_graph()
    executor.migrate(PARTITIONED_LOG)

    from webhooks.delivery_log import partitions

    assert partitions.partitioned() == (connection.vendor == "postgresql")
    kept = WebhookDelivery.objects.get(pk=delivery.pk)
    assert kept.attempt_log.get().status_code == 500
    later = WebhookDelivery.objects.create(
        event=WebhookEvent.objects.create(type="t", payload="{}"), endpoint_id=endpoint.pk
    )
    assert later.pk > delivery.pk  # the ids go on from where they were

    executor.loader.build_graph()
    executor.migrate(ENDPOINT_LOG_INDEX)

    back = executor.loader.project_state(ENDPOINT_LOG_INDEX).apps
    deliveries = back.get_model("webhooks", "WebhookDelivery")
    assert set(deliveries.objects.values_list("pk", flat=True)) == {delivery.pk, later.pk}
    assert back.get_model("webhooks", "DeliveryAttempt").objects.count() == 1
    third = back.get_model("webhooks", "WebhookEvent").objects.create(type="t", payload="{}")
    assert deliveries.objects.create(event_id=third.pk, endpoint_id=endpoint.pk).pk > later.pk


FIRST_PARTITION_UNKEYED = [("webhooks", "0018_first_partition_without_event_key")]


def _first_partitions_event_keys() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid = to_regclass('webhooks_webhookdelivery_p0') "
            "AND confrelid = 'webhooks_webhookevent'::regclass"
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the log is partitioned on PostgreSQL only",
)
def test_the_first_partition_loses_its_event_key_and_gets_it_back(
    executor: MigrationExecutor,
) -> None:
    executor.migrate(PARTITIONED_LOG)
    assert len(_first_partitions_event_keys()) == 1

    executor.loader.build_graph()
    executor.migrate(FIRST_PARTITION_UNKEYED)
    assert _first_partitions_event_keys() == []
    event = WebhookEvent.objects.create(type="t", payload="{}")
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/in")
    WebhookDelivery.objects.create(event=event, endpoint=endpoint)

    executor.loader.build_graph()
    executor.migrate(PARTITIONED_LOG)
    assert len(_first_partitions_event_keys()) == 1
