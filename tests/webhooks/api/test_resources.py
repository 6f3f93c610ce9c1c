"""``/api/v1/endpoints/``, the delivery log, replay, status: the admin's and the
commands' operations over HTTP, through the same domain code."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, Settings
from rest_framework.test import APIClient

from tests.support.event_types import EVENT_TYPES
from tests.support.factories import make_delivery, make_endpoint, make_testimonial
from tests.support.problems import refused
from webhooks import endpoint_actions
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/endpoints/"
DELIVERIES = "/api/v1/deliveries/"


def test_create_shows_the_secret_once_and_never_header_values(
    api_client: Callable[..., APIClient],
) -> None:
    client = api_client("webhooks:write", "webhooks:read")
    body = {
        "url": "https://crm.example.com/hooks",
        "event_types": ["testimonial.approved"],
        "headers": {"Authorization": "Bearer receiver-credential"},
        "max_in_flight": 4,
        "rate_limit": 2.5,
    }
    created = client.post(ENDPOINTS, body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    endpoint = WebhookEndpoint.objects.get(pk=data["id"])
    assert data["signing_secret"] == endpoint.secret
    assert endpoint.secret.startswith("whsec_")
    assert data["header_names"] == ["Authorization"]
    assert "headers" not in data
    assert data["rate_limit"] == 2.5
    shown = client.get(f"{ENDPOINTS}{endpoint.pk}/").content.decode()
    assert endpoint.secret not in shown
    assert "receiver-credential" not in shown


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/"}, "url"),
        ({"url": "http://127.0.0.1/hook"}, "url"),
        ({"url": "http://api.localhost/hook"}, "url"),
        ({"url": "https://example.com/", "event_types": ["testimonial.deleted"]}, "event_types"),
        ({"url": "https://example.com/", "max_in_flight": 0}, "max_in_flight"),
        ({"url": "https://example.com/", "rate_limit": 0}, "rate_limit"),
        ({"url": "https://example.com/", "secret": "whsec_short"}, "secret"),
        ({"url": "https://example.com/", "headers": {"Host": "x"}}, "headers"),
        ({"url": "https://example.com/", "timeout": 0}, "timeout"),
        ({"url": "https://example.com/", "timeout": 30}, "timeout"),  # = WEBHOOKS_LEASE
        ({"url": "https://example.com/", "retry_schedule": "5s,soon"}, "retry_schedule"),
        ({"url": "https://example.com/", "format": "cloudevent"}, "format"),
    ],
)
def test_create_refuses_what_full_clean_refuses(
    api_client: Callable[..., APIClient], settings: Settings, body: dict[str, object], field: str
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    answer = api_client("webhooks:write").post(ENDPOINTS, body, format="json")
    assert answer.status_code == 400, answer.content
    assert field in refused(answer), answer.content
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoints_timeout_schedule_and_format_round_trip(
    api_client: Callable[..., APIClient],
) -> None:
    client = api_client("webhooks:write", "webhooks:read")
    body = {
        "url": "https://events.example.com/in",
        "format": "cloudevents",
        "timeout": 2.5,
        "retry_schedule": "10s,1m",
    }
    created = client.post(ENDPOINTS, body, format="json").json()
    assert {k: created[k] for k in body} == body
    changed = client.patch(
        f"{ENDPOINTS}{created['id']}/", {"timeout": None, "retry_schedule": ""}, format="json"
    ).json()
    assert (changed["timeout"], changed["retry_schedule"]) == (None, "")


def test_rotate_then_secret_then_sign_with_both(api_client: Callable[..., APIClient]) -> None:
    endpoint = make_endpoint()
    old = endpoint.secret
    client = api_client("webhooks:write", "webhooks:secrets")
    answer = client.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/", {"overlap": "2h"})
    rotated = answer.json()
    endpoint.refresh_from_db()
    assert rotated["secret"] == endpoint.secret != old
    assert old not in answer.content.decode()  # the previous one is read on purpose
    both = client.get(f"{ENDPOINTS}{endpoint.pk}/secret/").json()
    assert (both["secret"], both["previous_secret"]) == (endpoint.secret, old)
    assert both["previous_secret_expires_at"] == rotated["previous_secret_expires_at"]
    for overlap in ("soon", "1000d", "9" * 30):
        bad = client.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/", {"overlap": overlap})
        assert bad.status_code == 400, overlap
        assert "overlap" in refused(bad), overlap


def test_disable_send_test_enable(api_client: Callable[..., APIClient]) -> None:
    endpoint = make_endpoint(description="CRM")
    client = api_client("webhooks:write", "webhooks:read")
    disabled = client.post(f"{ENDPOINTS}{endpoint.pk}/disable/", {"reason": "Maintenance"})
    assert disabled.json()["is_active"] is False
    assert disabled.json()["disabled_reason"] == "Maintenance"
    conflict = client.post(f"{ENDPOINTS}{endpoint.pk}/send-test/")
    assert conflict.status_code == 409
    assert conflict["Content-Type"] == "application/problem+json"
    assert "'CRM' is disabled" in conflict.json()["detail"]
    assert client.post(f"{ENDPOINTS}{endpoint.pk}/enable/").json()["is_active"] is True
    sent = client.post(f"{ENDPOINTS}{endpoint.pk}/send-test/")
    assert sent.status_code == 202
    assert sent.json()["type"] == "webhook.test"
    assert WebhookDelivery.objects.get(pk=sent.json()["id"]).endpoint == endpoint


def test_delete_removes_its_deliveries(api_client: Callable[..., APIClient]) -> None:
    delivery = make_delivery()
    answer = api_client("webhooks:write").delete(f"{ENDPOINTS}{delivery.endpoint_id}/")
    assert answer.status_code == 204
    assert not WebhookDelivery.objects.exists()


def test_delivery_filters_and_detail(api_client: Callable[..., APIClient]) -> None:
    crm = make_endpoint()
    failed = make_delivery(crm, status="failed", attempts=3)
    make_delivery(crm, status="succeeded", attempts=1, event_type="testimonial.created")
    make_delivery(status="failed", created_at=timezone.now() - timedelta(days=3))
    client = api_client("webhooks:read")

    def ids(query: str) -> list[int]:
        answer = client.get(f"{DELIVERIES}?{query}")
        assert answer.status_code == 200, answer.content
        return [row["id"] for row in answer.json()["results"]]

    assert len(ids("status=failed")) == 2
    assert ids(f"status=failed&endpoint={crm.pk}") == [failed.pk]
    assert len(ids("type=testimonial.created")) == 1
    assert ids(f"event={failed.event_id}") == [failed.pk]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert len(ids(f"since={since.replace('+', '%2B')}")) == 2
    assert client.get(f"{DELIVERIES}?status=lost").status_code == 400
    assert client.get(f"{DELIVERIES}?since=yesterday").status_code == 400

    shown = client.get(f"{DELIVERIES}{failed.pk}/").json()
    assert [a["number"] for a in shown["attempts_log"]] == [1, 2, 3]
    assert shown["type"] == "testimonial.approved"
    assert shown["event"] == str(failed.event_id)
    assert client.get(f"{DELIVERIES}999999/").status_code == 404
    event = client.get(f"/api/v1/events/{failed.event_id}/").json()
    assert event["payload"] is None  # payloads need testimonials:read as well
    assert shown["body"] is None
    with_payloads = api_client("webhooks:read", "testimonials:read")
    event = with_payloads.get(f"/api/v1/events/{failed.event_id}/").json()
    assert event["payload"]["type"] == "testimonial.approved"
    assert event["deliveries"] == [
        {"id": failed.pk, "endpoint": crm.pk, "status": "failed", "attempts": 3}
    ]
    assert client.get("/api/v1/events/?type=testimonial.created").json()["results"]


def test_replay_one_any_status(api_client: Callable[..., APIClient]) -> None:
    delivery = make_delivery(status="succeeded", attempts=1)
    answer = api_client("webhooks:write").post(f"{DELIVERIES}{delivery.pk}/replay/")
    assert answer.status_code == 200
    assert answer.json()["status"] == "pending"
    delivery.refresh_from_db()
    assert delivery.schedule_position == 0
    assert delivery.attempts == 1


def test_replay_selection_as_the_command_does(api_client: Callable[..., APIClient]) -> None:
    crm = make_endpoint()
    old_failure = make_delivery(crm, created_at=timezone.now() - timedelta(days=2))
    new_failure = make_delivery(crm)
    make_delivery(crm, status="succeeded")
    client = api_client("webhooks:write")

    dry = client.post(f"{DELIVERIES}replay/", {"dry_run": True}, format="json").json()
    assert dry == {
        "dry_run": True,
        "count": 2,
        "ids": [old_failure.pk, new_failure.pk],
        "skipped": [],
    }
    assert WebhookDelivery.objects.filter(status="failed").count() == 2

    done = client.post(f"{DELIVERIES}replay/", {"since": "1d"}, format="json").json()
    assert done["ids"] == [new_failure.pk]
    assert done["count"] == 1
    new_failure.refresh_from_db()
    assert new_failure.status == DeliveryStatus.PENDING


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"delivery": [999999]}, "delivery", "no delivery with id 999999"),
        ({"endpoint": 999999}, "endpoint", "there is no endpoint #999999"),
        ({"event": "00000000-0000-0000-0000-000000000007"}, "event", "there is no event"),
        ({"since": "yesterday"}, "since", "is not a time"),
        ({"until": "9999999d"}, "until", "before any time we can count"),
        ({"until": "99999999999999d"}, "until", "is not a time"),
        ({"status": ["lost"]}, "status", "not a valid choice"),
        ({"type": "testimonial.deleted"}, "type", "not a valid choice"),
        ({"limit": 0}, "limit", "greater than or equal to 1"),
    ],
)
def test_replay_refuses_bad_filters(
    api_client: Callable[..., APIClient], body: dict[str, object], field: str, message: str
) -> None:
    make_delivery()
    answer = api_client("webhooks:write").post(f"{DELIVERIES}replay/", body, format="json")
    assert answer.status_code == 400, answer.content
    assert message in json.dumps(refused(answer)[field])
    assert WebhookDelivery.objects.get().status == "failed"


def test_replay_to_a_disabled_endpoint_is_a_conflict(api_client: Callable[..., APIClient]) -> None:
    delivery = make_delivery(make_endpoint(description="CRM"))
    endpoint_actions.disable(delivery.endpoint, "410 Gone")
    client = api_client("webhooks:write")
    one = client.post(f"{DELIVERIES}{delivery.pk}/replay/")
    assert one.status_code == 409
    assert "'CRM' is disabled (410 Gone)" in one.json()["detail"]
    many = client.post(f"{DELIVERIES}replay/", {}, format="json").json()
    assert many["count"] == 0
    assert many["skipped"][0]["endpoint"] == delivery.endpoint_id


def test_status_is_webhook_status_json(
    api_client: Callable[..., APIClient], capsys: pytest.CaptureFixture[str]
) -> None:
    make_delivery(status="failed")
    make_delivery(status="pending")
    shown = api_client("webhooks:read").get("/api/v1/status/").json()
    call_command("webhook_status", "--json")
    printed = json.loads(capsys.readouterr().out)
    shown.pop("oldest_due_seconds"), printed.pop("oldest_due_seconds")
    assert shown == printed
    assert shown["failed"] == 1


def test_event_types_publish_each_schema(api_client: Callable[..., APIClient]) -> None:
    page = api_client("webhooks:read").get("/api/v1/event-types/").json()
    types = {row["type"]: row for row in page["results"]}
    assert "webhook.test" in types
    assert len(types) == len(EVENT_TYPES)
    rejected = types["testimonial.rejected"]["schema"]
    assert rejected["required"] == ["testimonial", "reason"]


@pytest.mark.parametrize("rows", [1, 50])
def test_delivery_pages_cost_fixed_queries(
    api_client: Callable[..., APIClient],
    django_assert_num_queries: DjangoAssertNumQueries,
    rows: int,
) -> None:
    endpoint = make_endpoint()
    for _ in range(rows):
        make_delivery(endpoint)
    client = api_client("webhooks:read")
    client.get(DELIVERIES)
    with django_assert_num_queries(2):  # the key, the page
        assert len(client.get(f"{DELIVERIES}?status=failed&page_size=50").json()["results"]) == rows
    with django_assert_num_queries(2):
        assert len(client.get("/api/v1/events/?page_size=50").json()["results"]) == rows
    with django_assert_num_queries(2):
        assert len(client.get(f"{ENDPOINTS}?page_size=50").json()["results"]) == 1


def test_submit_and_approve_cost_the_same_queries_for_100_endpoints(
    api_client: Callable[..., APIClient],
) -> None:
    client = api_client("testimonials:write", "testimonials:moderate")
    body = {"author_name": "A", "content": "Twenty characters at least.", "rating": 5}
    client.post("/api/v1/testimonials/", body)  # the key's first use is written once

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as submitted:
            created = client.post("/api/v1/testimonials/", body)
        with CaptureQueriesContext(connection) as approved:
            client.post(f"/api/v1/testimonials/{created.json()['id']}/approve/")
        return len(submitted), len(approved)

    make_endpoint()
    with_one = queries()
    for n in range(99):
        make_endpoint(url=f"https://hooks.example.com/{n}")
    with_a_hundred = queries()
    assert with_a_hundred == with_one
    assert WebhookDelivery.objects.count() == 2 * 1 + 2 * 100


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"url": "https://hooks.slack.com/services/T/B/X"}, "slack"),
        ({"url": "https://discord.com/api/webhooks/1/x"}, "discord"),
        ({"url": "https://discord.com/api/webhooks/1/x", "format": "standard"}, "standard"),
        ({"url": "https://crm.example.com/hooks", "format": "teams"}, "teams"),
        ({"url": "https://crm.example.com/hooks"}, "standard"),
    ],
)
def test_the_format_is_picked_from_the_url_unless_given(
    api_client: Callable[..., APIClient], body: dict[str, str], expected: str
) -> None:
    created = api_client("webhooks:write", "webhooks:read").post(ENDPOINTS, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["format"] == expected
    assert WebhookEndpoint.objects.get().format == expected


def test_filters_are_checked_and_applied_like_the_admin_s(
    api_client: Callable[..., APIClient],
) -> None:
    client = api_client("webhooks:write", "webhooks:read")
    wrong = {
        "url": "https://crm.example.com/hooks",
        "filter": {"testimonial": {"rating": {"$gte": "4"}}},
    }
    answer = client.post(ENDPOINTS, wrong, format="json")
    assert answer.status_code == 400
    assert "testimonial.rating $gte" in refused(answer)["filter"][0]

    spec = {"testimonial": {"rating": {"$gte": 4}}}
    created = client.post(ENDPOINTS, {**wrong, "filter": spec}, format="json").json()
    assert created["filter"] == spec
    url = f"{ENDPOINTS}{created['id']}/"
    assert client.patch(url, {"filter": {"$not": []}}, format="json").status_code == 400
    assert client.patch(url, {"filter": {}}, format="json").json()["filter"] == {}
    assert client.patch(url, {"filter": None}, format="json").status_code == 400


def test_a_delivery_shows_the_body_its_endpoint_gets(
    api_client: Callable[..., APIClient],
) -> None:
    endpoint = make_endpoint(url="https://hooks.slack.com/services/T/B/X")
    make_testimonial(content="Shown as Slack blocks.")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    client = api_client("webhooks:read", "testimonials:read")
    detail = client.get(f"{DELIVERIES}{delivery.pk}/").json()

    assert detail["body"]["text"].startswith("New testimonial: ")
    assert ">Shown as Slack blocks." in json.dumps(detail["body"])
