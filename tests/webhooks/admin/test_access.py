"""The admin is for staff only, every state-changing request needs a CSRF token, and
the webhook pages need their model permissions (Django's defaults, kept)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.factories import (
    make_delivery,
    make_endpoint,
    make_staff,
    make_superuser,
    make_user,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def webhook_pages(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> list[str]:
    return [
        reverse("admin:webhooks_webhookendpoint_changelist"),
        reverse("admin:webhooks_webhookendpoint_add"),
        reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]),
        reverse("admin:webhooks_webhookendpoint_reveal_secret", args=[endpoint.pk]),
        reverse("admin:webhooks_webhookendpoint_rotate_secret", args=[endpoint.pk]),
        reverse("admin:webhooks_webhookendpoint_send_test", args=[endpoint.pk]),
        reverse("admin:webhooks_webhookdelivery_changelist"),
        reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]),
        reverse("admin:webhooks_webhookevent_change", args=[delivery.event_id]),
        reverse("admin:testimonials_testimonial_changelist"),
    ]


@pytest.mark.parametrize("who", ["anonymous", "not staff"])
def test_only_staff_reach_the_admin(client: Client, who: str) -> None:
    delivery = make_delivery()
    if who == "not staff":
        client.force_login(make_user())

    for url in webhook_pages(delivery.endpoint, delivery):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("admin:login")), url
    delivery.endpoint.refresh_from_db()
    assert delivery.endpoint.is_active


def test_staff_without_permissions_are_refused(client: Client) -> None:
    delivery = make_delivery()
    client.force_login(make_staff())

    for url in webhook_pages(delivery.endpoint, delivery):
        assert client.get(url).status_code == 403, url


def test_state_changing_posts_need_a_csrf_token() -> None:
    endpoint = make_endpoint()
    delivery = make_delivery(endpoint)
    secret = endpoint.secret
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_superuser())

    posts = [
        (reverse("admin:webhooks_webhookendpoint_reveal_secret", args=[endpoint.pk]), {}),
        (
            reverse("admin:webhooks_webhookendpoint_rotate_secret", args=[endpoint.pk]),
            {"overlap": "1h"},
        ),
        (reverse("admin:webhooks_webhookendpoint_send_test", args=[endpoint.pk]), {}),
        (reverse("admin:webhooks_webhookdelivery_replay", args=[delivery.pk]), {}),
        (
            reverse("admin:webhooks_webhookdelivery_changelist"),
            {"action": "replay_selected", "_selected_action": [delivery.pk]},
        ),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert secret not in response.content.decode()

    endpoint.refresh_from_db()
    delivery.refresh_from_db()
    assert endpoint.secret == secret
    assert delivery.status == "failed"
    assert WebhookDelivery.objects.count() == 1  # no test event either
