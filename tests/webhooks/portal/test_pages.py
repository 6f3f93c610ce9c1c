"""The portal's pages through Django's test client: what a subscriber sees and does,
the same rules as the admin's, the audit, the headers, and a fixed number of queries."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import Settings

from tests.support.factories import make_delivery, make_endpoint, make_traffic
from tests.support.portal import ROUTES, Team, entered, make_team
from webhooks.models import (
    DeliveryStatus,
    PortalAction,
    WebhookDelivery,
    WebhookEndpoint,
)
from webhooks.validation import headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_client(client: Client) -> tuple[Client, Team]:
    team = make_team("CRM team")
    return entered(client, team), team


def actions(team: Team) -> list[str]:
    return list(
        PortalAction.objects.filter(subscriber=team.subscriber)
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


def test_every_page_is_strict_about_what_it_lets_the_browser_do(client: Client) -> None:
    team = make_team("CRM team")
    entered(client, team)
    for method, template, _ in ROUTES:
        if method != "get":
            continue
        path = template.format(e=team.endpoint.pk, d=team.delivery.pk)
        answer = client.get(path)
        assert answer.status_code == 200, path
        policy = answer["Content-Security-Policy"]
        assert "default-src 'none'" in policy
        assert "script-src" not in policy
        assert "frame-ancestors 'none'" in policy
        assert answer["Referrer-Policy"] == "same-origin"
        assert answer["Cache-Control"] == "no-store"
        assert answer["X-Frame-Options"] == "DENY"
        assert b"<script" not in answer.content, path


def test_an_operator_may_let_a_site_frame_the_portal(
    team_client: tuple[Client, Team], settings: Settings
) -> None:
    client, _ = team_client
    settings.PORTAL_FRAME_ANCESTORS = "https://partners.example.com"
    answer = client.get("/portal/")
    assert "frame-ancestors https://partners.example.com" in answer["Content-Security-Policy"]
    assert "X-Frame-Options" not in answer


def test_forms_need_csrf() -> None:
    team = make_team("CRM team")
    strict = entered(Client(enforce_csrf_checks=True), team)
    answer = strict.post(f"/portal/endpoints/{team.endpoint.pk}/send-test/")
    assert answer.status_code == 403
    assert not WebhookDelivery.objects.filter(event__type="webhook.test").exists()


def test_the_home_page_lists_only_the_subscribers_endpoints(
    team_client: tuple[Client, Team],
) -> None:
    client, _team = team_client
    make_endpoint("https://hooks.example.com/operator", description="Operator's own")
    other = make_team("Partner")
    html = client.get("/portal/").content.decode()
    assert "CRM team endpoint" in html
    assert "Operator&#x27;s own" not in html
    assert "Operator's own" not in html
    assert other.endpoint.description not in html


def test_adding_an_endpoint_shows_its_secret_once_and_records_it(
    team_client: tuple[Client, Team],
) -> None:
    client, team = team_client
    answer = client.post(
        "/portal/endpoints/new/",
        {
            "url": "https://hooks.example.com/crm/new",
            "description": "New one",
            "event_types": ["testimonial.approved"],
            "headers": '{"Authorization": "Bearer crm-credential"}',
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    endpoint = WebhookEndpoint.objects.get(description="New one")
    assert endpoint.subscriber == team.subscriber
    page = client.get(answer["Location"]).content.decode()
    assert endpoint.secret in page
    again = client.get(answer["Location"]).content.decode()
    assert endpoint.secret not in again
    assert "crm-credential" not in again
    assert "Authorization" in again
    assert actions(team)[-1] == "created an endpoint"


def test_a_subscriber_tunes_its_endpoints_timeout_schedule_and_format(
    team_client: tuple[Client, Team],
) -> None:
    client, team = team_client
    endpoint = team.endpoint
    refused = client.post(
        f"/portal/endpoints/{endpoint.pk}/",
        {"url": endpoint.url, "timeout": "0", "retry_schedule": "soon"},
    )
    assert refused.status_code == 200
    assert b"must be above 0" in refused.content
    assert b"is not a duration" in refused.content

    saved = client.post(
        f"/portal/endpoints/{endpoint.pk}/",
        {
            "url": endpoint.url,
            "format": "cloudevents",
            "timeout": "3",
            "retry_schedule": "30s,5m",
        },
    )

    assert saved.status_code == 302, saved.content.decode()
    endpoint.refresh_from_db()
    assert (endpoint.format, endpoint.timeout, endpoint.retry_schedule) == (
        "cloudevents",
        3.0,
        "30s,5m",
    )


def test_the_models_rules_apply_in_the_portal(
    team_client: tuple[Client, Team], settings: Settings
) -> None:
    client, _team = team_client
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    private = client.post("/portal/endpoints/new/", {"url": "http://127.0.0.1:9000/"})
    assert private.status_code == 200
    assert WebhookEndpoint.objects.count() == 1
    bad_filter = client.post(
        "/portal/endpoints/new/",
        {"url": "https://hooks.example.com/x", "filter": '{"testimonial": {"nope": 1}}'},
    )
    assert bad_filter.status_code == 200
    assert b"errors" in bad_filter.content
    assert WebhookEndpoint.objects.count() == 1


def test_a_subscriber_stays_within_its_limits(client: Client) -> None:
    team = make_team("CRM team", max_endpoints=2, allowed_event_types=["testimonial.approved"])
    entered(client, team)
    everything = client.post("/portal/endpoints/new/", {"url": "https://hooks.example.com/a"})
    assert b"may not receive every event type" in everything.content
    refused = client.post(
        "/portal/endpoints/new/",
        {"url": "https://hooks.example.com/a", "event_types": ["testimonial.created"]},
    )
    assert refused.status_code == 200  # not a choice it has
    made = client.post(
        "/portal/endpoints/new/",
        {"url": "https://hooks.example.com/a", "event_types": ["testimonial.approved"]},
    )
    assert made.status_code == 302
    full = client.post(
        "/portal/endpoints/new/",
        {"url": "https://hooks.example.com/b", "event_types": ["endpoint.disabled"]},
    )
    assert b"as many as it may have" in full.content
    assert b"Add an endpoint" not in client.get("/portal/").content


def test_editing_keeps_header_values_write_only(team_client: tuple[Client, Team]) -> None:
    client, team = team_client
    endpoint = team.endpoint
    endpoint.headers = {"X-Team": "t34m-credential"}
    endpoint.save()
    page = client.get(f"/portal/endpoints/{endpoint.pk}/").content.decode()
    assert "t34m-credential" not in page
    assert "X-Team" in page
    answer = client.post(
        f"/portal/endpoints/{endpoint.pk}/",
        {
            "url": "https://hooks.example.com/crm-moved",
            "description": "Moved",
            "headers": json.dumps({"X-Team": headers.KEPT}),
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/crm-moved"
    assert endpoint.headers == {"X-Team": "t34m-credential"}
    assert actions(team)[-1] == "changed an endpoint"


def test_rotate_reveal_test_enable_and_delete_use_the_domain_operations(
    team_client: tuple[Client, Team],
) -> None:
    client, team = team_client
    endpoint = team.endpoint
    old = endpoint.secret
    rotated = client.post(f"/portal/endpoints/{endpoint.pk}/rotate-secret/", {"overlap": "2h"})
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in rotated.content.decode()
    assert endpoint.previous_secret == old
    too_long = client.post(f"/portal/endpoints/{endpoint.pk}/rotate-secret/", {"overlap": "90d"})
    assert b"too long" in too_long.content

    revealed = client.post(f"/portal/endpoints/{endpoint.pk}/reveal-secret/").content.decode()
    assert endpoint.secret in revealed
    assert old in revealed

    sent = client.post(f"/portal/endpoints/{endpoint.pk}/send-test/")
    test_delivery = WebhookDelivery.objects.get(event__type="webhook.test")
    assert sent["Location"] == f"/portal/deliveries/{test_delivery.pk}/"

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False, disabled_reason="410")
    refused = client.post(f"/portal/endpoints/{endpoint.pk}/send-test/", follow=True)
    assert b"disabled" in refused.content
    client.post(f"/portal/endpoints/{endpoint.pk}/enable/")
    endpoint.refresh_from_db()
    assert endpoint.is_active

    client.post(f"/portal/endpoints/{endpoint.pk}/delete/")
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert actions(team)[1:] == [
        "rotated the secret",
        "revealed the secret",
        "sent a test event",
        "enabled an endpoint",
        "deleted an endpoint",
    ]


def test_replaying_one_and_every_failed_since(team_client: tuple[Client, Team]) -> None:
    client, team = team_client
    endpoint = team.endpoint
    old = make_delivery(endpoint, status="failed", attempts=3)
    WebhookDelivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    one = client.post(f"/portal/deliveries/{team.delivery.pk}/replay/", follow=True)
    assert b"Replayed 1 delivery" in one.content
    assert WebhookDelivery.objects.get(pk=team.delivery.pk).status == DeliveryStatus.PENDING

    since = (timezone.now() - timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/portal/endpoints/{endpoint.pk}/replay-failed/", {"since": since})
    assert WebhookDelivery.objects.get(pk=old.pk).status == DeliveryStatus.PENDING
    bad = client.post(f"/portal/endpoints/{endpoint.pk}/replay-failed/", {}, follow=True)
    assert b"Replay:" in bad.content

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    refused = client.post(f"/portal/deliveries/{team.delivery.pk}/replay/", follow=True)
    assert b"Nothing replayed" in refused.content
    assert actions(team).count("replayed") == 2


def test_the_delivery_page_shows_attempts_with_credentials_redacted(
    team_client: tuple[Client, Team],
) -> None:
    client, team = team_client
    delivery = team.delivery
    attempt = delivery.attempt_log.get()
    attempt.request_headers = {"webhook-id": "msg_1", "X-Team": "[redacted]"}
    attempt.save()
    page = client.get(f"/portal/deliveries/{delivery.pk}/").content.decode()
    assert "X-Team: [redacted]" in page
    assert delivery.event.type in page


def test_the_delivery_list_filters_and_pages_by_id(team_client: tuple[Client, Team]) -> None:
    client, team = team_client
    endpoint = team.endpoint
    for _ in range(55):
        make_delivery(endpoint, status="succeeded", attempts=1)
    first = client.get(f"/portal/endpoints/{endpoint.pk}/deliveries/").content.decode()
    assert first.count('class="status status-') == 50
    assert "Older deliveries" in first
    older = first.split('href="?')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(f"/portal/endpoints/{endpoint.pk}/deliveries/?{older}").content.decode()
    assert second.count('class="status status-') == 6
    failed = client.get(f"/portal/endpoints/{endpoint.pk}/deliveries/?status=failed")
    assert failed.content.decode().count('class="status status-') == 1
    WebhookDelivery.objects.filter(endpoint=endpoint, status="succeeded").update(
        created_at=timezone.now() - timedelta(days=10)
    )
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    recent = client.get(f"/portal/endpoints/{endpoint.pk}/deliveries/?since={since}")
    assert recent.content.decode().count('class="status status-') == 1


def test_the_catalogue_offers_what_the_subscriber_may_receive(client: Client) -> None:
    team = make_team("CRM team", allowed_event_types=["testimonial.approved"])
    entered(client, team)
    html = client.get("/portal/events/").content.decode()
    assert "testimonial.approved" in html
    assert "testimonial.created" not in html
    assert "endpoint.disabled" in html
    assert "webhook.test" in html
    assert "from standardwebhooks.webhooks import Webhook" in html
    assert "standardwebhooks" in html
    assert "NewWebhook" in html


def test_a_portal_page_costs_the_same_queries_whatever_there_is(
    team_client: tuple[Client, Team],
) -> None:
    client, team = team_client
    endpoint = team.endpoint
    delivery = team.delivery
    pages = [
        "/portal/",
        f"/portal/endpoints/{endpoint.pk}/",
        f"/portal/endpoints/{endpoint.pk}/deliveries/",
        f"/portal/deliveries/{delivery.pk}/",
    ]

    def queries(page: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        return len(captured.captured_queries)

    before = {page: queries(page) for page in pages}
    for n in range(8):
        more = make_endpoint(f"https://hooks.example.com/more-{n}", subscriber=team.subscriber)
        make_traffic(more, timezone.now(), hours=3, per_hour=4, failing_every=3)
    make_traffic(endpoint, timezone.now(), hours=3, per_hour=20, failing_every=3)
    for number in range(2, 6):
        delivery.attempt_log.create(number=number, started_at=timezone.now(), duration_ms=5)
    assert {page: queries(page) for page in pages} == before


def test_csrf_is_djangos_own_with_no_exception_for_a_null_origin() -> None:
    """Under ``no-referrer`` browsers posted the portal's forms with ``Origin: null``,
    which the portal accepted; any page can make a browser send it, so with a planted
    ``csrftoken`` cookie a cross-site form deleted an endpoint. Portal pages now send a
    same-origin Referer and Django's check applies whole."""
    team = make_team("CRM team")
    strict = entered(Client(enforce_csrf_checks=True), team)
    token = strict.cookies["csrftoken"].value
    path = f"/portal/endpoints/{team.endpoint.pk}/delete/"
    form = {"csrfmiddlewaretoken": token}
    for origin in ("null", "https://evil.example"):
        assert strict.post(path, form, headers={"origin": origin}).status_code == 403
        assert strict.post(path, form, headers={"origin": origin}, secure=True).status_code == 403
    assert strict.post(path, form, secure=True).status_code == 403  # HTTPS, no Referer
    assert WebhookEndpoint.objects.filter(pk=team.endpoint.pk).exists()

    own = {"origin": "https://testserver", "referer": f"https://testserver{path}"}
    assert strict.post(path, form, headers=own, secure=True).status_code == 302
    assert not WebhookEndpoint.objects.filter(pk=team.endpoint.pk).exists()


def test_a_new_endpoints_json_boxes_start_empty(
    team_client: tuple[Client, Team], admin_client: Client
) -> None:
    """They showed "null", in the admin and the portal alike (the form is shared)."""
    client, _ = team_client
    for page in (
        client.get("/portal/endpoints/new/"),
        admin_client.get("/admin/webhooks/webhookendpoint/add/"),
    ):
        boxes = re.findall(r"<textarea[^>]*>\s*([^<]*)</textarea>", page.content.decode())
        assert boxes == ["{}", "{}"]
