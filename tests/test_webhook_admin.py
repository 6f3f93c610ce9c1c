"""Operators configure endpoints and read the delivery log in the admin."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_endpoint, make_testimonial
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


def test_creating_an_endpoint_generates_a_secret_and_shows_it(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {
            "url": "https://hooks.example.com/in",
            "description": "CRM",
            "event_types": ["testimonial.approved", "testimonial.featured"],
            "is_active": "on",
            "headers": "{}",
        },
    )

    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["testimonial.approved", "testimonial.featured"]
    assert endpoint.secret.startswith("whsec_")
    page = admin_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret in page.content.decode()


def test_the_endpoint_form_refuses_bad_input_with_field_errors(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"url": "ftp://x.example.com/", "event_types": [], "headers": '{"Host": "x"}'},
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"url", "headers"}
    assert not WebhookEndpoint.objects.exists()


def test_enable_and_disable_actions(admin_client: Client) -> None:
    endpoint = make_endpoint()
    changelist = reverse("admin:webhooks_webhookendpoint_changelist")

    admin_client.post(changelist, {"action": "disable_selected", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert endpoint.disabled_reason.startswith("Disabled by admin")

    admin_client.post(changelist, {"action": "enable_selected", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason) == (True, "")


def test_the_delivery_log_lists_filters_and_shows_attempts(admin_client: Client) -> None:
    endpoint = make_endpoint(description="CRM")
    make_testimonial()
    delivery = WebhookDelivery.objects.get()
    delivery.attempt_log.create(
        number=1,
        started_at=delivery.created_at,
        duration_ms=12,
        status_code=500,
        error="HTTP 500 Internal Server Error",
        response_body="boom",
    )
    changelist = reverse("admin:webhooks_webhookdelivery_changelist")

    listed = admin_client.get(changelist, {"status__exact": "pending"}).content.decode()
    detail = admin_client.get(
        reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
    ).content.decode()

    assert "testimonial.created" in listed
    assert str(endpoint) in listed
    assert "HTTP 500 Internal Server Error" in detail
    assert "boom" in detail
    assert admin_client.get(reverse("admin:webhooks_webhookdelivery_add")).status_code == 403


def test_an_event_shows_its_payload(admin_client: Client) -> None:
    make_endpoint()
    make_testimonial(content="Shown in the admin, nicely indented.")
    event = WebhookEvent.objects.get()

    page = admin_client.get(reverse("admin:webhooks_webhookevent_change", args=[event.pk]))

    assert "Shown in the admin, nicely indented." in page.content.decode()
