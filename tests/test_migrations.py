"""Migrations that change data: forward on rows as the previous release left them, and
back."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.test_webhook_endpoints import stored_column
from webhooks.models import DeliveryAttempt, WebhookEndpoint

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

    sealed = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert sealed.headers == {"X-Team": "t34m-credential"}
    assert "t34m" not in stored_column(sealed, "headers")
    assert stored_column(WebhookEndpoint.objects.get(pk=bare.pk), "headers") == ""
    (attempt,) = DeliveryAttempt.objects.all()
    assert attempt.request_headers == {"X-Team": "[redacted]", "webhook-id": "msg_1"}

    executor.loader.build_graph()
    executor.migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT headers FROM webhooks_webhookendpoint WHERE id = %s", [endpoint.pk])
        (raw,) = cursor.fetchone()
    assert (json.loads(raw) if isinstance(raw, str) else raw) == {"X-Team": "t34m-credential"}
