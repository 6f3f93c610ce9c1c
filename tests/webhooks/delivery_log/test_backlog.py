"""``webhook_status`` and the delivery log's header: how far behind the workers are."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.support.factories import make_delivery, make_endpoint
from webhooks.delivery_log import backlog
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy() -> None:
    """Four due (oldest 10 minutes) for an endpoint being sent to, one retry later, two
    failed (one an hour ago), one due for a paused endpoint, one waiting for a disabled
    endpoint."""
    now = timezone.now()
    endpoint = make_endpoint(claimed_by="worker", claimed_until=now + timedelta(seconds=30))
    for minutes in (10, 5, 1, 0):
        due = make_delivery(endpoint, status="pending", attempts=1)
        WebhookDelivery.objects.filter(pk=due.pk).update(
            next_attempt_at=now - timedelta(minutes=minutes)
        )
    later = make_delivery(endpoint, status="pending")
    WebhookDelivery.objects.filter(pk=later.pk).update(next_attempt_at=now + timedelta(hours=1))
    make_delivery(endpoint, status="failed", attempts=2)
    old_failure = make_delivery(endpoint, status="failed")
    WebhookDelivery.objects.filter(pk=old_failure.pk).update(updated_at=now - timedelta(hours=2))
    paused = make_endpoint(paused_until=now + timedelta(minutes=1), pause_reason="429")
    make_delivery(paused, status="pending", created_at=now - timedelta(hours=1))
    make_delivery(make_endpoint(is_active=False), status="pending")


def test_the_snapshot_counts_the_backlog(busy: None) -> None:
    state = backlog.snapshot(timezone.now())

    assert (state.pending, state.due, state.waiting_for_paused) == (7, 4, 1)
    assert state.waiting_for_disabled == 1
    assert state.oldest_due_seconds is not None
    assert 599 <= state.oldest_due_seconds <= 660, "the paused endpoint's hour is not counted"
    assert (state.failed, state.failed_last_hour) == (2, 1)
    assert (state.attempts_last_hour, state.failed_attempts_last_hour) == (6, 6)
    assert (state.active_endpoints, state.sending_endpoints, state.paused_endpoints) == (2, 1, 1)
    assert state.disabled_endpoints == 1


def test_webhook_status_prints_and_speaks_json(busy: None) -> None:
    out = io.StringIO()
    call_command("webhook_status", stdout=out)
    text = out.getvalue()
    assert "Pending deliveries: 7 (due now: 4, the oldest has waited 6" in text
    assert "waiting for paused endpoints: 1; for disabled endpoints: 1" in text
    assert "Failed deliveries: 2 (1 in the last hour" in text
    assert "Endpoints: 2 active (1 being sent to, 1 paused), 1 disabled" in text

    out = io.StringIO()
    call_command("webhook_status", "--json", stdout=out)
    assert json.loads(out.getvalue())["due"] == 4


def test_max_wait_fails_when_the_workers_fall_behind(busy: None) -> None:
    call_command("webhook_status", "--max-wait", "1h", stdout=io.StringIO())

    with pytest.raises(CommandError, match="over --max-wait 5m: are the workers"):
        call_command("webhook_status", "--max-wait", "5m", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--max-wait: 'soon' is not a duration"):
        call_command("webhook_status", "--max-wait", "soon", stdout=io.StringIO())


def test_an_empty_system_is_calm() -> None:
    out = io.StringIO()
    call_command("webhook_status", "--max-wait", "1s", stdout=out)
    assert "due now: 0, none due" in out.getvalue()


def test_the_delivery_log_shows_the_backlog(busy: None, admin_client: Client) -> None:
    page = admin_client.get(reverse("admin:webhooks_webhookdelivery_changelist"))

    assert "Pending deliveries: 7 (due now: 4" in page.content.decode()
