"""``manage.py replay_webhooks``: selection, dry run, errors, and what a replay changes."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.support.factories import make_delivery, make_endpoint
from webhooks.models import DeliveryAttempt, WebhookDelivery

pytestmark = pytest.mark.django_db


def replay(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("replay_webhooks", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def statuses() -> dict[int, str]:
    return dict(WebhookDelivery.objects.values_list("id", "status"))


def test_by_default_every_failed_delivery_is_requeued_with_a_fresh_schedule() -> None:
    failed = make_delivery(status="failed", attempts=3, last_error="HTTP 500")
    succeeded = make_delivery(status="succeeded", attempts=1)
    pending = make_delivery(status="pending", attempts=1)
    before = timezone.now()

    out, _ = replay()

    assert "Replayed 1 delivery." in out
    failed.refresh_from_db()
    assert failed.status == "pending"
    assert failed.schedule_position == 0
    assert failed.next_attempt_at is not None
    assert failed.next_attempt_at >= before
    # History stays: the count of tries, the log of them, the event (so the webhook-id).
    assert failed.attempts == 3
    assert DeliveryAttempt.objects.filter(delivery=failed).count() == 3
    assert failed.last_error == "HTTP 500"
    assert statuses()[succeeded.pk] == "succeeded"
    assert statuses()[pending.pk] == "pending"


def test_a_dry_run_lists_and_changes_nothing() -> None:
    delivery = make_delivery(status="failed", attempts=2)
    before = statuses()

    out, _ = replay("--dry-run")

    assert f"#{delivery.pk} testimonial.approved" in out
    assert str(delivery.event_id) in out
    assert "Would replay 1 delivery. Dry run: nothing changed." in out
    assert statuses() == before


def test_named_deliveries_are_replayed_whatever_their_status() -> None:
    succeeded = make_delivery(status="succeeded", attempts=1)
    other = make_delivery(status="failed")

    out, _ = replay("--delivery", str(succeeded.pk))

    assert "Replayed 1 delivery." in out
    assert statuses() == {succeeded.pk: "pending", other.pk: "failed"}


def test_status_narrows_named_deliveries() -> None:
    succeeded = make_delivery(status="succeeded")
    failed = make_delivery(status="failed")

    replay("--delivery", str(succeeded.pk), str(failed.pk), "--status", "failed")

    assert statuses() == {succeeded.pk: "succeeded", failed.pk: "pending"}


def test_an_event_selects_its_deliveries_to_every_endpoint() -> None:
    first = make_delivery(status="succeeded")
    second = WebhookDelivery.objects.create(
        event=first.event, endpoint=make_endpoint(), status="failed"
    )
    unrelated = make_delivery(status="failed")

    replay("--event", str(first.event_id))

    assert statuses() == {first.pk: "pending", second.pk: "pending", unrelated.pk: "failed"}


def test_filters_by_endpoint_type_and_time() -> None:
    endpoint = make_endpoint()
    now = timezone.now()
    old = make_delivery(endpoint, created_at=now - timedelta(days=3))
    recent = make_delivery(endpoint, created_at=now - timedelta(hours=1))
    other_type = make_delivery(endpoint, event_type="testimonial.created")
    elsewhere = make_delivery()

    replay("--endpoint", str(endpoint.pk), "--type", "testimonial.approved", "--since", "2d")

    assert statuses() == {
        old.pk: "failed",
        recent.pk: "pending",
        other_type.pk: "failed",
        elsewhere.pk: "failed",
    }


def test_since_and_until_take_iso_8601() -> None:
    now = timezone.now()
    monday = make_delivery(created_at=now.replace(year=2026, month=11, day=23, hour=10))
    tuesday = make_delivery(created_at=now.replace(year=2026, month=11, day=24, hour=10))

    replay("--since", "2026-11-23", "--until", "2026-11-24T00:00:00Z")

    assert statuses() == {monday.pk: "pending", tuesday.pk: "failed"}


def test_status_all_and_limit_take_the_oldest_first() -> None:
    now = timezone.now()
    oldest = make_delivery(status="succeeded", created_at=now - timedelta(minutes=3))
    middle = make_delivery(status="failed", created_at=now - timedelta(minutes=2))
    newest = make_delivery(status="failed", created_at=now - timedelta(minutes=1))

    replay("--status", "all", "--limit", "2")

    assert statuses() == {oldest.pk: "pending", middle.pk: "pending", newest.pk: "failed"}


def test_statuses_can_be_comma_separated_or_repeated() -> None:
    succeeded = make_delivery(status="succeeded")
    failed = make_delivery(status="failed")
    pending = make_delivery(status="pending", attempts=1)

    replay("--status", "succeeded,failed")

    assert statuses() == {succeeded.pk: "pending", failed.pk: "pending", pending.pk: "pending"}
    assert WebhookDelivery.objects.get(pk=pending.pk).schedule_position == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "broken"], "--status: unknown status 'broken'"),
        (["--since", "yesterday"], "--since: 'yesterday' is not a time"),
        (["--until", "2026-13-01"], "--until: '2026-13-01' is not a time"),
        (["--endpoint", "999"], "--endpoint: there is no endpoint #999"),
        (["--endpoint", "abc"], "--endpoint: 'abc' is not a number"),
        (["--delivery", "x1"], "--delivery: 'x1' is not a number"),
        (["--delivery", "999"], "--delivery: no delivery with id 999"),
        (["--event", "nope"], "--event: 'nope' is not an event id"),
        (["--event", str(uuid.UUID(int=7))], "--event: there is no event"),
        (["--type", "testimonial.deleted"], "--type: 'testimonial.deleted' is not an event type"),
        (["--limit", "0"], "--limit: must be at least 1"),
        (["--limit", "-3"], "--limit: '-3' is not a number"),
    ],
)
def test_bad_arguments_are_one_clear_error_and_change_nothing(
    args: list[str], message: str
) -> None:
    make_delivery(status="failed")
    before = statuses()

    with pytest.raises(CommandError) as error:
        replay(*args)

    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert statuses() == before


def test_naming_a_disabled_endpoint_is_refused_with_its_name() -> None:
    endpoint = make_endpoint(description="CRM", is_active=False, disabled_reason="410 Gone")
    delivery = make_delivery(endpoint)

    for args in (["--endpoint", str(endpoint.pk)], ["--delivery", str(delivery.pk)]):
        with pytest.raises(CommandError, match=r"endpoint #\d+ 'CRM' is disabled \(410 Gone\)"):
            replay(*args)

    assert statuses() == {delivery.pk: "failed"}


def test_a_broad_replay_skips_disabled_endpoints_and_says_so() -> None:
    disabled = make_endpoint(description="Old CRM", is_active=False)
    skipped = make_delivery(disabled)
    replayed = make_delivery()

    out, err = replay()

    assert "Replayed 1 delivery." in out
    assert "Skipped 1 delivery: endpoint #" in err
    assert "'Old CRM' is disabled" in err
    assert statuses() == {skipped.pk: "failed", replayed.pk: "pending"}


def test_a_large_replay_reports_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    from webhooks.management.commands import replay_webhooks

    monkeypatch.setattr(replay_webhooks, "PROGRESS_ABOVE", 2)
    endpoint = make_endpoint()
    for _ in range(3):
        make_delivery(endpoint)

    out, err = replay("-v", "2")

    assert "re-queued 3 of 3" in err
    assert out.count("testimonial.approved") == 3
    assert "Replayed 3 deliveries." in out


def test_nothing_to_replay_says_so() -> None:
    make_delivery(status="succeeded")

    out, _ = replay()

    assert "Replayed 0 deliveries." in out
    assert "worker" not in out
