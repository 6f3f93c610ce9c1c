"""The log over time (SPEC §13): WEBHOOKS_RETENTION and WEBHOOKS_RETENTION_FAILED,
applied by a django-q2 schedule the service keeps and by ``prune_webhook_log``; pending
deliveries never go, a delivery replayed as it is deleted stays with its log."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule
from pytest_django import Settings

from tests.support.factories import make_delivery, make_endpoint
from webhooks import tasks
from webhooks.delivery_log import pruning, retention
from webhooks.models import DeliveryAttempt, EndpointHour, WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> Any:
    return timezone.now() - timedelta(days=days)


def test_each_kind_of_delivery_keeps_for_its_retention(settings: Settings) -> None:
    settings.WEBHOOKS_RETENTION = "30d"
    settings.WEBHOOKS_RETENTION_FAILED = "90d"
    endpoint = make_endpoint()
    old_success = make_delivery(endpoint, status="succeeded", attempts=1, created_at=days_ago(40))
    old_failure = make_delivery(endpoint, status="failed", attempts=3, created_at=days_ago(40))
    ancient_failure = make_delivery(endpoint, status="failed", attempts=3, created_at=days_ago(99))
    ancient_cancel = make_delivery(endpoint, status="cancelled", created_at=days_ago(99))
    ancient_pending = make_delivery(endpoint, status="pending", attempts=2, created_at=days_ago(99))
    recent = make_delivery(endpoint, status="succeeded", attempts=1, created_at=days_ago(1))

    pruned = retention.apply()

    kept = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert kept == {old_failure.pk, ancient_pending.pk, recent.pk}
    assert (pruned.deliveries, pruned.attempts, pruned.events) == (3, 4, 3)
    assert pruned.complete
    gone = [old_success, ancient_failure, ancient_cancel]
    assert not WebhookEvent.objects.filter(pk__in=[d.event_id for d in gone]).exists()
    assert not DeliveryAttempt.objects.filter(delivery_id__in=[d.pk for d in gone]).exists()
    assert DeliveryAttempt.objects.filter(delivery=ancient_pending).count() == 2
    # The hourly counts of the tries that went, with them; the day's stay.
    assert set(EndpointHour.objects.values_list("hour__date", flat=True)) == {
        recent.created_at.date()
    }


def test_failed_ones_keep_as_long_as_the_others_unless_told(settings: Settings) -> None:
    settings.WEBHOOKS_RETENTION = "30d"
    make_delivery(status="failed", created_at=days_ago(40))

    assert retention.apply().deliveries == 1


def test_zero_keeps_everything(settings: Settings) -> None:
    settings.WEBHOOKS_RETENTION = "0"
    make_delivery(status="succeeded", created_at=days_ago(4000))

    assert retention.apply().deliveries == 0
    assert "keeps everything" in run("prune_webhook_log")
    assert WebhookDelivery.objects.count() == 1

    settings.WEBHOOKS_RETENTION_FAILED = "7d"  # failed ones only
    make_delivery(status="failed", created_at=days_ago(8))
    assert retention.apply().deliveries == 1
    assert WebhookDelivery.objects.get().status == "succeeded"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_prune_webhook_log_applies_the_settings_and_its_dry_run_counts(
    settings: Settings,
) -> None:
    settings.WEBHOOKS_RETENTION = "30d"
    settings.WEBHOOKS_RETENTION_FAILED = "60d"
    make_delivery(status="succeeded", attempts=1, created_at=days_ago(40))
    make_delivery(status="failed", attempts=3, created_at=days_ago(40))
    make_delivery(status="failed", attempts=3, created_at=days_ago(70))

    preview = run("prune_webhook_log", "--dry-run")
    assert preview.startswith("Would delete 2 deliveries, 4 attempts and 2 events")
    assert "failed or cancelled before" in preview
    assert WebhookDelivery.objects.count() == 3
    assert run("prune_webhook_log").startswith("Deleted 2 deliveries, 4 attempts and 2 events")
    assert WebhookDelivery.objects.get().status == "failed"


def test_a_delivery_replayed_as_it_is_deleted_stays_with_its_log() -> None:
    """The walk reads ids, then deletes them checking the status again: a failed
    delivery replayed in between is pending by then, and stays whole."""
    replayed = make_delivery(status="failed", attempts=3, created_at=days_ago(40))
    finished = make_delivery(status="failed", attempts=1, created_at=days_ago(40))
    WebhookDelivery.objects.filter(pk=replayed.pk).update(status="pending")

    deleted, attempts = pruning._delete_deliveries([replayed.pk, finished.pk], ["failed"])

    assert (deleted, attempts) == (1, 1)
    assert WebhookDelivery.objects.get().pk == replayed.pk
    assert DeliveryAttempt.objects.filter(delivery=replayed).count() == 3


def test_a_run_stops_at_its_budget_and_queues_the_rest(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.WEBHOOKS_RETENTION = "30d"
    queued: list[str] = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *a, **k: queued.append(func))
    monkeypatch.setattr(pruning, "batch_size", lambda: 2)
    endpoint = make_endpoint()
    for _ in range(5):
        make_delivery(endpoint, status="succeeded", created_at=days_ago(40))

    first = retention.apply(budget=0)

    assert (first.deliveries, first.complete) == (2, False)
    assert queued == [retention.TASK]
    tasks.apply_retention()  # the queued run, as a worker runs it
    assert not WebhookDelivery.objects.exists()
    assert not WebhookEvent.objects.exists()


def test_the_schedule_is_kept_by_migrate_and_qcluster_one_of_it() -> None:
    """post_migrate made it for the test database; ensure_schedule keeps exactly one,
    hourly, whatever an operator changed but its time."""
    (made,) = Schedule.objects.filter(func=retention.TASK)
    assert (made.schedule_type, made.repeats) == (Schedule.HOURLY, -1)
    Schedule.objects.filter(pk=made.pk).update(schedule_type=Schedule.ONCE, repeats=1)
    Schedule.objects.create(func=retention.TASK, schedule_type=Schedule.DAILY)

    retention.ensure_schedule()

    (kept,) = Schedule.objects.filter(func=retention.TASK)
    assert (kept.pk, kept.schedule_type, kept.repeats) == (made.pk, Schedule.HOURLY, -1)
    Schedule.objects.all().delete()
    retention.ensure_schedule()
    assert Schedule.objects.filter(func=retention.TASK, schedule_type=Schedule.HOURLY).exists()


def test_events_of_deleted_endpoints_go_once_old_and_unreferenced(settings: Settings) -> None:
    settings.WEBHOOKS_RETENTION = "30d"
    orphan = make_delivery(status="pending", created_at=days_ago(40))
    orphan.endpoint.delete()  # its deliveries go, the event stays (SPEC §3)
    kept = make_delivery(status="pending", created_at=days_ago(40))

    assert retention.apply().events == 1
    assert set(WebhookEvent.objects.values_list("pk", flat=True)) == {kept.event_id}


def test_the_admin_previews_a_run_and_queues_one(
    admin_client: Any, client: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.factories import make_staff
    from webhooks.admin import overview

    settings.WEBHOOKS_RETENTION = "30d"
    make_delivery(status="succeeded", attempts=2, created_at=days_ago(40))
    queued: list[str] = []
    monkeypatch.setattr(overview, "async_task", lambda func: queued.append(func))
    page = "/admin/webhooks/overview/retention/"

    shown = admin_client.get(page).content.decode()
    assert "What a run now would delete" in shown
    assert re.search(r"Deliveries</th><td>1<", shown)
    assert re.search(r"Attempts</th><td>2<", shown)
    assert "next run is due at" in shown
    assert admin_client.post(page).status_code == 302
    assert queued == [retention.TASK]
    assert WebhookDelivery.objects.count() == 1  # queued, not deleted in the request

    client.force_login(make_staff("webhooks.view_webhookdelivery"))
    assert "What a run now would delete" in client.get(page).content.decode()
    assert client.post(page).status_code == 403
    client.force_login(make_staff("webhooks.view_webhookendpoint"))
    assert client.get(page).status_code == 403
