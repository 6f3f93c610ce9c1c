"""Formats, filters and the preview in the endpoint admin."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from tests.support.factories import make_category, make_endpoint, make_staff, make_testimonial
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

SPEC_EXAMPLE = {"testimonial": {"rating": {"$gte": 4}, "category": {"slug": {"$in": ["support"]}}}}


def add(admin_client: Client, **fields: Any) -> Any:
    form = {
        "url": "https://crm.example.com/hooks",
        "event_types": [],
        "headers": "{}",
        "is_active": "on",
    }
    return admin_client.post(reverse("admin:webhooks_webhookendpoint_add"), {**form, **fields})


def preview(admin_client: Client, endpoint: WebhookEndpoint, event_type: str) -> str:
    url = reverse("admin:webhooks_webhookendpoint_preview", args=[endpoint.pk])
    response = admin_client.get(url, {"type": event_type})
    assert response.status_code == 200
    return str(response.content.decode())


@pytest.mark.parametrize(
    ("url", "chosen", "expected"),
    [
        ("https://hooks.slack.com/services/T0/B0/X", "", "slack"),
        ("https://discord.com/api/webhooks/1/x", "", "discord"),
        ("https://acme.webhook.office.com/webhookb2/x", "", "teams"),
        ("https://crm.example.com/hooks", "", "standard"),
        ("https://discord.com/api/webhooks/1/x", "standard", "standard"),
        ("https://crm.example.com/hooks", "slack", "slack"),
    ],
)
def test_the_format_comes_from_the_url_unless_the_operator_picks_one(
    admin_client: Client, url: str, chosen: str, expected: str
) -> None:
    add_page = admin_client.get(reverse("admin:webhooks_webhookendpoint_add")).content.decode()
    assert 'value="" selected>From the URL' in add_page

    assert add(admin_client, url=url, format=chosen).status_code == 302
    assert WebhookEndpoint.objects.get().format == expected


def test_the_spec_filter_example_works_from_the_admin(admin_client: Client) -> None:
    assert add(admin_client, filter=json.dumps(SPEC_EXAMPLE)).status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.filter == SPEC_EXAMPLE
    listed = admin_client.get(reverse("admin:webhooks_webhookendpoint_changelist"))
    assert "all, filtered" in listed.content.decode()
    support = make_category(slug="support")

    make_testimonial(rating=5, category=support, content="Wanted: five stars on support.")
    make_testimonial(rating=2, category=support)
    make_testimonial(rating=5, category=make_category(slug="billing"))

    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert "Wanted: five stars" in delivery.event.payload


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"testimonial": {"rating": {"$gte": "4"}}}', "testimonial.rating $gte"),
        ('{"testimonial": {"rating": {"$between": [1, 2]}}}', "unknown operator $between"),
        ('{"testimonal": {"rating": 5}}', "testimonal: no such field"),
        ("{not json", "Enter a valid JSON"),
    ],
)
def test_a_wrong_filter_is_a_form_error(admin_client: Client, text: str, message: str) -> None:
    response = add(admin_client, filter=text)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"filter"}
    assert message in errors["filter"][0]


def test_an_empty_filter_box_means_no_filter(admin_client: Client) -> None:
    endpoint = make_endpoint(filter={"testimonial": {"rating": 5}})
    change = reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])
    form = {
        "url": endpoint.url,
        "format": "standard",
        "headers": "{}",
        "is_active": "on",
        "filter": "",
    }
    assert admin_client.post(change, form).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.filter == {}


def test_the_preview_shows_a_sample_then_the_latest_real_event(
    admin_client: Client, settings: Settings
) -> None:
    settings.SITE_URL = "https://testimonials.example.com"
    endpoint = make_endpoint(url="https://hooks.slack.com/services/T/B/X")
    assert endpoint.format == "slack"
    change = admin_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    assert (
        reverse("admin:webhooks_webhookendpoint_preview", args=[endpoint.pk])
        in change.content.decode()
    )

    page = preview(admin_client, endpoint, "testimonial.approved")
    assert "a sample testimonial.approved event" in page
    assert "Would be sent" in page
    assert "The message, as it reads" in page
    assert "Ada Lovelace" in page
    assert "https://testimonials.example.com/admin/testimonials/testimonial/1/change/" in page

    testimonial = make_testimonial(author_name="Grace <Hopper>", rating=4)
    testimonial.approve()
    page = preview(admin_client, endpoint, "testimonial.approved")
    assert "the latest testimonial.approved event" in page
    assert "Grace &lt;Hopper&gt;" in page  # HTML-escaped by the page, as sent
    assert "Grace &amp;lt;Hopper&amp;gt;" in page  # and mrkdwn-escaped in the body


def test_the_preview_says_when_the_filter_or_the_subscription_stops_an_event(
    admin_client: Client,
) -> None:
    endpoint = make_endpoint(
        event_types=["testimonial.approved"], filter={"testimonial": {"rating": 1}}
    )

    assert "the filter does not let this event through" in preview(
        admin_client, endpoint, "testimonial.approved"
    )
    assert "does not receive testimonial.created events" in preview(
        admin_client, endpoint, "testimonial.created"
    )
    assert "whatever its filter" in preview(admin_client, endpoint, "webhook.test")

    page = preview(admin_client, endpoint, "not.a.type")  # falls back to a subscribed type
    assert 'value="testimonial.approved" selected' in page


def test_the_standard_preview_shows_the_body_and_no_message(admin_client: Client) -> None:
    endpoint = make_endpoint()
    page = preview(admin_client, endpoint, "testimonial.media_added")
    assert "&rsaquo; Preview" in page
    assert "The message, as it reads" not in page
    assert "&quot;type&quot;: &quot;testimonial.media_added&quot;" in page


def test_a_delivery_shows_the_body_its_endpoint_gets(admin_client: Client) -> None:
    endpoint = make_endpoint(url="https://discord.com/api/webhooks/1/x")
    make_testimonial(content="Shown as a Discord embed.")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    page = admin_client.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]))

    text = page.content.decode()
    assert "Discord message (the event in the format the delivery was made with)" in text
    assert "allowed_mentions" in text
    assert "Shown as a Discord embed\\\\." in text


def test_a_delivery_shows_the_schedule_it_keeps(admin_client: Client, settings: Settings) -> None:
    settings.WEBHOOKS_RETRY_SCHEDULE = "5s,5m"
    tuned = make_endpoint(url="https://hooks.example.com/tuned", retry_schedule="2s,3s")
    plain = make_endpoint(url="https://hooks.example.com/plain")
    make_testimonial()
    tuned.retry_schedule = "1h"
    tuned.save()

    def page(endpoint: WebhookEndpoint) -> str:
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        url = reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
        return admin_client.get(url).content.decode()

    assert "2s,3s" in page(tuned)
    assert "5s,5m (the default)" in page(plain)


def test_without_access_to_the_event_log_the_preview_uses_a_sample(client: Client) -> None:
    endpoint = make_endpoint()
    make_testimonial(author_email="private@example.com")
    client.force_login(make_staff("webhooks.view_webhookendpoint"))

    page = preview(client, endpoint, "testimonial.created")

    assert "a sample testimonial.created event" in page
    assert "private@example.com" not in page
