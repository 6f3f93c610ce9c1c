"""``send_test_webhook`` and ``prune_webhook_log``."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.support.factories import make_delivery, make_endpoint
from webhooks import endpoint_actions
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_send_test_webhook_queues_a_test_event_for_that_endpoint_only() -> None:
    endpoint = make_endpoint(event_types=["testimonial.approved"])
    make_endpoint()

    out = run("send_test_webhook", str(endpoint.pk))

    delivery = WebhookDelivery.objects.get()
    assert delivery.endpoint == endpoint
    assert delivery.status == "pending"
    assert delivery.event.type == "webhook.test"
    payload = json.loads(delivery.event.payload)
    assert payload["data"]["endpoint"]["id"] == endpoint.pk
    assert f"as delivery #{delivery.pk} to endpoint #{endpoint.pk}" in out
    assert str(delivery.event_id) in out


@pytest.mark.parametrize(
    ("argument", "message"), [("12x", "'12x' is not an endpoint id"), ("999", "no endpoint #999")]
)
def test_send_test_webhook_refuses_unknown_endpoints(argument: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("send_test_webhook", argument)


def test_send_test_webhook_refuses_a_disabled_endpoint_by_name() -> None:
    endpoint = make_endpoint(description="Billing", is_active=False)

    with pytest.raises(CommandError, match=r"'Billing' is disabled; enable it first"):
        run("send_test_webhook", str(endpoint.pk))
    assert not WebhookEvent.objects.exists()


def test_send_test_webhook_wait_reports_the_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = make_endpoint()
    send = endpoint_actions.send_test_event

    def send_and_deliver(endpoint: WebhookEndpoint, requested_by: str = "") -> WebhookDelivery:
        # Stands in for a worker that answers at once.
        delivery = send(endpoint, requested_by)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status="succeeded", attempts=1, last_status_code=204
        )
        return delivery

    monkeypatch.setattr(endpoint_actions, "send_test_event", send_and_deliver)
    assert "Delivered: HTTP 204." in run("send_test_webhook", str(endpoint.pk), "--wait", "2")


def test_send_test_webhook_wait_fails_without_a_worker() -> None:
    endpoint = make_endpoint()

    with pytest.raises(CommandError, match=r"no attempt within 0.3s: is a worker"):
        run("send_test_webhook", str(endpoint.pk), "--wait", "0.3")


def test_prune_deletes_old_finished_deliveries_and_orphaned_events_only() -> None:
    endpoint = make_endpoint()
    old = timezone.now() - timedelta(days=40)
    old_succeeded = make_delivery(endpoint, status="succeeded", attempts=2, created_at=old)
    old_failed = make_delivery(endpoint, status="failed", attempts=1, created_at=old)
    old_pending = make_delivery(endpoint, status="pending", attempts=1, created_at=old)
    recent = make_delivery(endpoint, status="succeeded", attempts=1)

    out = run("prune_webhook_log", "--older-than", "30d")

    assert "Deleted 1 delivery, 2 attempts and 1 event" in out
    remaining = set(WebhookDelivery.objects.values_list("id", flat=True))
    assert remaining == {old_failed.pk, old_pending.pk, recent.pk}
    assert not WebhookEvent.objects.filter(pk=old_succeeded.event_id).exists()
    assert DeliveryAttempt.objects.count() == 3

    out = run("prune_webhook_log", "--older-than", "30d", "--include-failed")

    assert "Deleted 1 delivery, 1 attempt and 1 event" in out
    assert set(WebhookDelivery.objects.values_list("id", flat=True)) == {
        old_pending.pk,
        recent.pk,
    }


def test_an_old_event_with_a_delivery_still_pending_is_kept() -> None:
    old = timezone.now() - timedelta(days=40)
    done = make_delivery(status="succeeded", created_at=old)
    WebhookDelivery.objects.create(event=done.event, endpoint=make_endpoint(), status="pending")

    out = run("prune_webhook_log", "--older-than", "30d")

    assert "Deleted 1 delivery, 0 attempts and 0 events" in out
    assert WebhookEvent.objects.filter(pk=done.event_id).exists()


def test_prune_dry_run_counts_what_it_would_delete() -> None:
    old = timezone.now() - timedelta(days=40)
    make_delivery(status="succeeded", attempts=3, created_at=old)
    make_delivery(status="failed", attempts=1, created_at=old)

    out = run("prune_webhook_log", "--older-than", "30d", "--dry-run")

    assert "Would delete 1 delivery, 3 attempts and 1 event" in out
    assert "Dry run: nothing changed." in out
    assert WebhookDelivery.objects.count() == 2
    assert "Would delete 2 deliveries, 4 attempts and 2 events" in run(
        "prune_webhook_log", "--older-than", "30d", "--dry-run", "--include-failed"
    )


def test_prune_works_through_more_rows_than_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    from webhooks.delivery_log import pruning

    monkeypatch.setattr(pruning, "batch_size", lambda: 2)
    old = timezone.now() - timedelta(days=40)
    endpoint = make_endpoint()
    for _ in range(5):
        make_delivery(endpoint, status="succeeded", attempts=1, created_at=old)

    assert "Deleted 5 deliveries, 5 attempts and 5 events" in run(
        "prune_webhook_log", "--older-than", "30d"
    )
    assert not WebhookEvent.objects.exists()


def test_prune_refuses_an_unreadable_age() -> None:
    make_delivery(status="succeeded", created_at=timezone.now() - timedelta(days=40))

    with pytest.raises(CommandError, match="--older-than: 'a month' is not a duration"):
        run("prune_webhook_log", "--older-than", "a month")
    assert WebhookDelivery.objects.count() == 1
