"""Operational events: endpoint.disabled, endpoint.enabled and delivery.exhausted go
through the outbox, only to endpoints that name them, announced once by whichever path
(admin, API, the dispatcher) switched the endpoint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from tests.support.factories import (
    exhaust,
    make_delivery,
    make_endpoint,
    make_outcome,
    make_subscriber,
)
from webhooks import endpoint_actions
from webhooks.event_types.builtin import (
    DELIVERY_EXHAUSTED,
    ENDPOINT_DISABLED,
    ENDPOINT_ENABLED,
    ENDPOINT_FAILING,
    ENDPOINT_RECOVERED,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.publishing import outbox
from webhooks.sending import health

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops() -> WebhookEndpoint:
    """An endpoint that names the operational events."""
    return make_endpoint(
        url="https://ops.example.com/alerts",
        description="on-call",
        event_types=[ENDPOINT_DISABLED, ENDPOINT_ENABLED, DELIVERY_EXHAUSTED],
    )


def sent(event_type: str) -> list[tuple[dict[str, Any], list[int]]]:
    """(data, endpoint ids) of every event of ``event_type`` recorded so far."""
    found = []
    for event in WebhookEvent.objects.filter(type=event_type).order_by("created_at"):
        ids = sorted(event.deliveries.values_list("endpoint_id", flat=True))
        found.append((event.payload_data()["data"], ids))
    return found


def test_all_events_endpoints_do_not_get_them(ops: WebhookEndpoint) -> None:
    everything = make_endpoint(description="all events")
    assert [r.id for r in outbox.subscribers(ENDPOINT_DISABLED)] == [ops.pk]
    assert sorted(r.id for r in outbox.subscribers("testimonial.created")) == [everything.pk]


def test_an_operator_disabling_and_enabling(ops: WebhookEndpoint) -> None:
    crm = make_endpoint(description="CRM")
    assert endpoint_actions.disable(crm, "Maintenance") is True
    assert endpoint_actions.disable(crm, "again") is False  # already off: nothing announced
    endpoint_actions.enable(crm)
    endpoint_actions.enable(crm)  # already on: nothing announced
    [(disabled, to)] = sent(ENDPOINT_DISABLED)
    assert to == [ops.pk]
    assert disabled["endpoint"] == {"id": crm.pk, "description": "CRM"}
    assert disabled["reason"] == "Maintenance"
    assert disabled["automatic"] is False
    [(enabled, to)] = sent(ENDPOINT_ENABLED)
    assert enabled["endpoint"]["id"] == crm.pk
    assert to == [ops.pk]


def test_the_dispatcher_disabling_a_gone_receiver(ops: WebhookEndpoint) -> None:
    gone = make_endpoint(description="old")
    delivery = make_delivery(gone, status="pending")
    health.record(gone.pk, [make_outcome(delivery, 410)], timezone.now())
    [(data, to)] = sent(ENDPOINT_DISABLED)
    assert data["automatic"] is True
    assert "410 Gone" in data["reason"]
    assert to == [ops.pk]


def test_a_disabled_endpoint_is_not_told_about_itself() -> None:
    watcher = make_endpoint(event_types=[ENDPOINT_DISABLED])
    endpoint_actions.disable(watcher, "off")
    assert sent(ENDPOINT_DISABLED) == []


def test_an_exhausted_delivery(ops: WebhookEndpoint, settings: Settings) -> None:
    crm = make_endpoint(description="CRM")
    delivery = make_delivery(crm, status="pending")
    exhaust(delivery)
    [(data, to)] = sent(DELIVERY_EXHAUSTED)
    assert to == [ops.pk]
    delivery.refresh_from_db()
    assert data["delivery"] == {
        "id": delivery.pk,
        "attempts": delivery.attempts,
        "last_status_code": 500,
        "last_error": delivery.last_error,
    }
    assert data["event"]["id"] == str(delivery.event_id)
    assert data["event"]["type"] == "testimonial.approved"
    assert data["endpoint"] == {"id": crm.pk, "description": "CRM"}


def test_no_exhausted_event_about_an_operational_delivery(ops: WebhookEndpoint) -> None:
    """A receiver failing every delivery.exhausted is not told about it forever."""
    endpoint_actions.disable(make_endpoint(), "off")
    announcement = WebhookDelivery.objects.get(endpoint=ops)
    exhaust(announcement)
    assert sent(DELIVERY_EXHAUSTED) == []


def test_nothing_recorded_without_subscribers() -> None:
    exhaust(make_delivery(status="pending"))
    endpoint_actions.disable(make_endpoint(), "off")
    assert not WebhookEvent.objects.filter(type__in=[DELIVERY_EXHAUSTED, ENDPOINT_DISABLED])


def test_a_filter_picks_among_them(ops: WebhookEndpoint) -> None:
    ops.filter = {"automatic": True}
    ops.full_clean()
    ops.save()
    endpoint_actions.disable(make_endpoint(), "by hand")
    assert sent(ENDPOINT_DISABLED) == []
    gone = make_endpoint()
    health.disable(gone.pk, timezone.now(), "410")
    assert len(sent(ENDPOINT_DISABLED)) == 1


def test_the_admin_checkbox_announces_once(admin_client: Client, ops: WebhookEndpoint) -> None:
    crm = make_endpoint(description="CRM")
    page = f"/admin/webhooks/webhookendpoint/{crm.pk}/change/"
    form = {
        "url": crm.url,
        "format": crm.format,
        "description": "CRM, renamed",
        "filter": "",
        "headers": "{}",
        "_save": "Save",
    }
    response = admin_client.post(page, form)  # is_active unticked
    assert response.status_code == 302, response.content.decode()[:3000]
    crm.refresh_from_db()
    assert (crm.is_active, crm.description) == (False, "CRM, renamed")
    assert crm.disabled_reason.startswith("Disabled by ")
    admin_client.post(page, {**form, "is_active": "on"})
    crm.refresh_from_db()
    assert crm.is_active
    assert len(sent(ENDPOINT_DISABLED)) == 1
    assert len(sent(ENDPOINT_ENABLED)) == 1


def test_the_api_announces(api_client: Callable[..., APIClient], ops: WebhookEndpoint) -> None:
    crm = make_endpoint()
    client = api_client("webhooks:write")
    assert client.post(f"/api/v1/endpoints/{crm.pk}/disable/", {}).status_code == 200
    assert client.post(f"/api/v1/endpoints/{crm.pk}/enable/").status_code == 200
    [(data, _)] = sent(ENDPOINT_DISABLED)
    assert data["reason"].startswith("Disabled through the API")
    assert len(sent(ENDPOINT_ENABLED)) == 1


def test_naming_them_is_valid_and_listed(api_client: Callable[..., APIClient]) -> None:
    client = api_client("webhooks:read")
    types = {t["type"] for t in client.get("/api/v1/event-types/").json()["results"]}
    assert {ENDPOINT_DISABLED, ENDPOINT_ENABLED, DELIVERY_EXHAUSTED} <= types
    endpoint = WebhookEndpoint(url="https://x.example.com/", event_types=[DELIVERY_EXHAUSTED])
    endpoint.full_clean()


def test_enabling_restarts_the_streak_in_one_transaction(ops: WebhookEndpoint) -> None:
    crm = make_endpoint(consecutive_failures=7, failing_since=timezone.now() - timedelta(days=6))
    endpoint_actions.disable(crm, "x")
    endpoint_actions.enable(crm)
    crm.refresh_from_db()
    assert (crm.is_active, crm.consecutive_failures, crm.failing_since) == (True, 0, None)


def test_events_about_a_subscribers_endpoint_reach_it_and_the_operator_only(
    ops: WebhookEndpoint,
) -> None:
    """SPEC §11: a subscriber never learns of another's endpoints."""
    types = [ENDPOINT_DISABLED, ENDPOINT_ENABLED, DELIVERY_EXHAUSTED]
    crm, partner = make_subscriber("CRM team"), make_subscriber("Partner")
    crm_alerts = make_endpoint(url="https://crm.example.com/a", subscriber=crm, event_types=types)
    crm_hook = make_endpoint(url="https://crm.example.com/h", subscriber=crm)
    partner_alerts = make_endpoint(
        url="https://partner.example.com/a", subscriber=partner, event_types=types
    )
    operator_hook = make_endpoint(url="https://ops.example.com/h")

    endpoint_actions.disable(crm_hook, "Maintenance")
    endpoint_actions.enable(crm_hook)
    exhaust(make_delivery(crm_hook, status="pending"))
    for event_type in types:
        [(data, to)] = sent(event_type)
        assert data["endpoint"]["id"] == crm_hook.pk
        assert to == sorted([ops.pk, crm_alerts.pk]), event_type

    endpoint_actions.disable(operator_hook, "Maintenance")
    [_, (data, to)] = sent(ENDPOINT_DISABLED)
    assert data["endpoint"]["id"] == operator_hook.pk
    assert to == [ops.pk]  # the operator's own endpoint: no subscriber hears of it
    assert partner_alerts.pk not in {pk for _, ids in sent(DELIVERY_EXHAUSTED) for pk in ids}


@pytest.fixture
def watcher() -> WebhookEndpoint:
    return make_endpoint(
        url="https://ops.example.com/health", event_types=[ENDPOINT_FAILING, ENDPOINT_RECOVERED]
    )


def fail(endpoint: WebhookEndpoint, status: int = 503) -> None:
    delivery = make_delivery(endpoint, status="pending")
    outcome = replace(make_outcome(delivery, status), error=f"HTTP {status}")
    health.record_round({endpoint.pk: [outcome]}, timezone.now())


def succeed(endpoint: WebhookEndpoint) -> None:
    delivery = make_delivery(endpoint, status="pending")
    health.record_round({endpoint.pk: [make_outcome(delivery, 200)]}, timezone.now())


def test_failing_is_announced_once_per_streak_and_recovery_ends_it(
    watcher: WebhookEndpoint, settings: Settings
) -> None:
    settings.WEBHOOKS_FAILING_AFTER = 3
    crm = make_endpoint(description="CRM")
    fail(crm)
    fail(crm)
    assert sent(ENDPOINT_FAILING) == []
    fail(crm)
    [(data, to)] = sent(ENDPOINT_FAILING)
    assert to == [watcher.pk]
    assert data["endpoint"] == {"id": crm.pk, "description": "CRM"}
    assert data["consecutive_failures"] == 3
    assert data["last_error"] == "HTTP 503"
    fail(crm)
    fail(crm)
    assert len(sent(ENDPOINT_FAILING)) == 1  # once per streak

    succeed(crm)  # the healthy round's shortcut still notices
    [(recovered, to)] = sent(ENDPOINT_RECOVERED)
    assert to == [watcher.pk]
    assert recovered["endpoint"]["id"] == crm.pk
    succeed(crm)
    assert len(sent(ENDPOINT_RECOVERED)) == 1

    for _ in range(3):  # a new streak warns again
        fail(crm)
    assert len(sent(ENDPOINT_FAILING)) == 2


def test_a_success_in_the_middle_of_a_round_recovers_then_warns_again(
    watcher: WebhookEndpoint, settings: Settings
) -> None:
    settings.WEBHOOKS_FAILING_AFTER = 2
    crm = make_endpoint()
    fail(crm)
    fail(crm)
    tries = [make_outcome(make_delivery(crm, status="pending"), s) for s in (200, 500, 500)]
    health.record(crm.pk, tries, timezone.now())
    assert len(sent(ENDPOINT_RECOVERED)) == 1
    assert len(sent(ENDPOINT_FAILING)) == 2


# A flaky receiver's run (issue 39): four first tries failed at 13:52:06.80-06.89, every
# retry succeeded by 08.61, and the failures' results were recorded after the retries'.
START = timezone.now().replace(microsecond=0) - timedelta(minutes=5)


def at(seconds: float) -> Any:
    return START + timedelta(seconds=seconds)


def tried(delivery: WebhookDelivery, status: int, started: float, finished: float) -> Any:
    outcome = make_outcome(delivery, status)
    error = "" if status < 300 else f"HTTP {status}"
    return replace(outcome, started_at=at(started), finished_at=at(finished), error=error)


def flaky_run(endpoint: WebhookEndpoint) -> tuple[list[Any], list[Any]]:
    deliveries = [make_delivery(endpoint, status="pending") for _ in range(4)]
    failures = [
        tried(d, 500, started=6.80 + 0.03 * n, finished=6.83 + 0.03 * n)
        for n, d in enumerate(deliveries)
    ]
    retries = [
        tried(d, 200, started=8.0 + 0.2 * n, finished=8.01 + 0.2 * n)
        for n, d in enumerate(deliveries)
    ]
    return failures, retries


def test_failures_recorded_after_a_later_success_start_no_streak(
    watcher: WebhookEndpoint, settings: Settings
) -> None:
    settings.WEBHOOKS_FAILING_AFTER = 3
    crm = make_endpoint()
    failures, retries = flaky_run(crm)

    health.record_round({crm.pk: retries}, at(8.7))
    health.record_round({crm.pk: failures}, at(13.05))

    crm.refresh_from_db()
    assert (crm.consecutive_failures, crm.failing_since) == (0, None)
    assert crm.last_success_at == at(8.61)
    assert crm.last_failure_at == at(6.92)  # still the last failure seen
    assert sent(ENDPOINT_FAILING) == []


def test_the_same_tries_recorded_as_they_happened_warn_then_recover(
    watcher: WebhookEndpoint, settings: Settings
) -> None:
    settings.WEBHOOKS_FAILING_AFTER = 3
    crm = make_endpoint()
    failures, retries = flaky_run(crm)

    health.record_round({crm.pk: failures}, at(7.0))
    [(failing, _)] = sent(ENDPOINT_FAILING)
    assert failing["consecutive_failures"] == 4
    health.record_round({crm.pk: retries}, at(8.7))

    assert len(sent(ENDPOINT_RECOVERED)) == 1
    crm.refresh_from_db()
    assert (crm.consecutive_failures, crm.last_success_at) == (0, at(8.61))


def test_a_success_older_than_the_streak_recorded_late_does_not_end_it(
    watcher: WebhookEndpoint, settings: Settings
) -> None:
    settings.WEBHOOKS_FAILING_AFTER = 3
    crm = make_endpoint()
    delivery = make_delivery(crm, status="pending")
    streak = [tried(delivery, 503, started=10.0 + n, finished=10.5 + n) for n in range(3)]
    health.record_round({crm.pk: streak}, at(13.0))
    assert len(sent(ENDPOINT_FAILING)) == 1

    health.record_round({crm.pk: [tried(delivery, 200, started=9.0, finished=9.5)]}, at(13.5))

    crm.refresh_from_db()
    assert (crm.consecutive_failures, crm.failing_since) == (3, at(10.0))
    assert crm.last_success_at == at(9.5)
    assert sent(ENDPOINT_RECOVERED) == []
    # An older success still, recorded later again, leaves the newer one.
    health.record_round({crm.pk: [tried(delivery, 200, started=1.0, finished=1.5)]}, at(14.0))
    crm.refresh_from_db()
    assert crm.last_success_at == at(9.5)


def test_enabling_starts_a_new_streak_without_a_recovery(watcher: WebhookEndpoint) -> None:
    crm = make_endpoint()
    for _ in range(3):
        fail(crm)
    endpoint_actions.disable(crm, "Maintenance")
    endpoint_actions.enable(crm)
    crm.refresh_from_db()
    assert crm.failing_announced_at is None
    succeed(crm)
    assert sent(ENDPOINT_RECOVERED) == []


def test_failing_is_told_only_to_its_subscriber_and_the_operator(watcher: WebhookEndpoint) -> None:
    crm, partner = make_subscriber("CRM team"), make_subscriber("Partner")
    types = [ENDPOINT_FAILING]
    crm_alerts = make_endpoint(url="https://crm.example.com/a", subscriber=crm, event_types=types)
    make_endpoint(url="https://partner.example.com/a", subscriber=partner, event_types=types)
    crm_hook = make_endpoint(url="https://crm.example.com/h", subscriber=crm)
    for _ in range(3):
        fail(crm_hook)
    [(_, to)] = sent(ENDPOINT_FAILING)
    assert to == sorted([watcher.pk, crm_alerts.pk])
