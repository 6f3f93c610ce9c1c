"""Cancelling pending deliveries (command, API, admin) with replay's selection, and
replaying as new under a new webhook-id."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.support.factories import make_delivery, make_endpoint, make_outcome
from webhooks.delivery_log import cancel
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEvent
from webhooks.sending import recording, settling

pytestmark = pytest.mark.django_db


def statuses() -> dict[int, str]:
    return dict(WebhookDelivery.objects.values_list("id", "status"))


def test_the_command_cancels_pending_deliveries_as_selected(
    capsys: pytest.CaptureFixture[str],
) -> None:
    crm, erp = make_endpoint(), make_endpoint("https://erp.example.com/in")
    waiting = [make_delivery(crm, status="pending") for _ in range(3)]
    failed = make_delivery(crm, status="failed")
    elsewhere = make_delivery(erp, status="pending")

    call_command("cancel_webhooks", "--endpoint", str(crm.pk), "--dry-run")
    out = capsys.readouterr().out
    assert "Would cancel 3 deliveries. Dry run: nothing changed." in out
    assert f"#{waiting[0].pk} testimonial.approved" in out
    assert set(statuses().values()) == {"pending", "failed"}

    call_command("cancel_webhooks", "--endpoint", str(crm.pk))
    assert "Cancelled 3 deliveries." in capsys.readouterr().out
    now = statuses()
    assert {now[d.pk] for d in waiting} == {"cancelled"}
    assert now[failed.pk] == "failed"
    assert now[elsewhere.pk] == "pending"
    assert WebhookDelivery.objects.filter(status="cancelled", next_attempt_at=None).count() == 3

    # Kept in the log, and replayable.
    call_command("replay_webhooks", "--status", "cancelled", "--endpoint", str(crm.pk))
    assert {statuses()[d.pk] for d in waiting} == {"pending"}
    with pytest.raises(CommandError, match="--type"):
        call_command("cancel_webhooks", "--type", "testimonial.nope")


def test_a_try_in_flight_when_cancelled_is_counted_and_not_retried() -> None:
    delivery = make_delivery(status="pending")
    cancel.cancel([delivery.pk])
    # The sender's try of it, begun before the cancel, ends in a 500: normally a retry.
    recording.record([settling.finish(make_outcome(delivery, 500))], [], timezone.now())
    delivery.refresh_from_db()
    assert delivery.status == "cancelled"
    assert delivery.next_attempt_at is None
    assert delivery.attempts == 1
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 1


def test_the_api_cancels_the_same_selection(api_client: Callable[..., APIClient]) -> None:
    api = api_client("webhooks:read", "webhooks:write")
    crm = make_endpoint()
    pending = make_delivery(crm, status="pending", event_type="testimonial.created")
    other = make_delivery(crm, status="pending", event_type="testimonial.approved")
    dry = api.post("/api/v1/deliveries/cancel/", {"type": "testimonial.created", "dry_run": True})
    assert dry.json() == {"dry_run": True, "count": 1, "ids": [pending.pk]}
    done = api.post("/api/v1/deliveries/cancel/", {"type": "testimonial.created"})
    assert done.json() == {"dry_run": False, "count": 1, "ids": [pending.pk]}
    assert statuses() == {pending.pk: "cancelled", other.pk: "pending"}
    listed = api.get("/api/v1/deliveries/?status=cancelled").json()["results"]
    assert [row["id"] for row in listed] == [pending.pk]
    bad = api.post("/api/v1/deliveries/cancel/", {"since": "yesterday-ish"})
    assert bad.status_code == 400


def test_replaying_as_new_sends_a_copy_under_a_new_webhook_id(
    api_client: Callable[..., APIClient], capsys: pytest.CaptureFixture[str]
) -> None:
    crm, erp = make_endpoint(), make_endpoint("https://erp.example.com/in")
    original = make_delivery(crm, status="succeeded", attempts=1)
    WebhookDelivery.objects.create(event=original.event, endpoint=erp, status="succeeded")

    call_command("replay_webhooks", "--event", str(original.event_id), "--as-new")
    assert "Replayed 2 deliveries." in capsys.readouterr().out
    copy = WebhookEvent.objects.exclude(pk=original.event_id).get()
    assert copy.payload == original.event.payload
    assert copy.type == original.event.type
    assert sorted(copy.deliveries.values_list("endpoint_id", "status")) == [
        (crm.pk, "pending"),
        (erp.pk, "pending"),
    ]
    original.refresh_from_db()
    assert original.status == "succeeded"  # the original stays as it was

    api = api_client("webhooks:read", "webhooks:write")
    answer = api.post(f"/api/v1/deliveries/{original.pk}/replay/", {"as_new": True})
    assert answer.status_code == 200, answer.content
    assert WebhookEvent.objects.count() == 3
    same = api.post(f"/api/v1/deliveries/{original.pk}/replay/")
    assert same.json()["status"] == "pending"
    assert WebhookEvent.objects.count() == 3  # the default keeps the webhook-id
    selected = api.post("/api/v1/deliveries/replay/", {"delivery": [original.pk], "as_new": True})
    assert selected.json()["count"] == 1
    assert WebhookEvent.objects.count() == 4


def test_the_admin_cancels_and_replays_as_new(admin_client: Client) -> None:
    pending = make_delivery(status="pending")
    done = make_delivery(status="succeeded", attempts=1)
    page = "/admin/webhooks/webhookdelivery/"
    answer = admin_client.post(
        page,
        {"action": "cancel_selected", "_selected_action": [pending.pk, done.pk]},
        follow=True,
    )
    assert "Cancelled 1 delivery" in answer.content.decode()
    assert statuses() == {pending.pk: "cancelled", done.pk: "succeeded"}
    again = admin_client.post(
        page, {"action": "replay_as_new_selected", "_selected_action": [done.pk]}, follow=True
    )
    assert "as new deliveries under new webhook-ids" in again.content.decode()
    assert WebhookEvent.objects.count() == 3
