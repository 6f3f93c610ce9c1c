"""The signing secret in the admin: shown once when made, revealed or rotated only by
people with the dedicated permissions, and never on ordinary pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.support.factories import make_endpoint, make_staff
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

EDITOR = ("webhooks.view_webhookendpoint", "webhooks.change_webhookendpoint")


def change_page(client: Client, endpoint: WebhookEndpoint) -> str:
    url = reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def url(name: str, endpoint: WebhookEndpoint) -> str:
    return reverse(f"admin:webhooks_webhookendpoint_{name}", args=[endpoint.pk])


def test_a_new_endpoints_secret_is_shown_once_with_a_copy_button(admin_client: Client) -> None:
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

    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("change", endpoint)
    assert endpoint.event_types == ["testimonial.approved", "testimonial.featured"]
    first = change_page(admin_client, endpoint)
    assert endpoint.secret in first
    assert 'data-copy="#webhook-secret"' in first
    assert "shown only this once" in first
    second = change_page(admin_client, endpoint)
    assert endpoint.secret not in second
    assert "Hidden." in second


def test_the_secret_never_appears_in_the_list_or_an_ordinary_change_page(
    admin_client: Client,
) -> None:
    endpoint = make_endpoint()

    listed = admin_client.get(reverse("admin:webhooks_webhookendpoint_changelist"))

    assert endpoint.secret not in listed.content.decode()
    assert endpoint.secret not in change_page(admin_client, endpoint)


def test_revealing_needs_the_permission(client: Client) -> None:
    endpoint = make_endpoint()
    client.force_login(make_staff(*EDITOR))

    assert url("reveal_secret", endpoint) not in change_page(client, endpoint)
    assert client.get(url("reveal_secret", endpoint)).status_code == 403
    assert client.post(url("reveal_secret", endpoint)).status_code == 403


def test_revealing_asks_first_then_shows_and_records_it(client: Client) -> None:
    endpoint = make_endpoint()
    client.force_login(make_staff(*EDITOR, "webhooks.reveal_secret"))
    assert url("reveal_secret", endpoint) in change_page(client, endpoint)

    asked = client.get(url("reveal_secret", endpoint)).content.decode()
    shown = client.post(url("reveal_secret", endpoint)).content.decode()

    assert endpoint.secret not in asked
    assert endpoint.secret in shown
    entry = LogEntry.objects.get()
    assert entry.object_id == str(endpoint.pk)
    assert "Revealed the signing secret" in entry.get_change_message()
    assert endpoint.secret not in entry.get_change_message()


def test_revealing_a_missing_endpoint_is_404(admin_client: Client) -> None:
    missing = reverse("admin:webhooks_webhookendpoint_reveal_secret", args=[999])
    assert admin_client.get(missing).status_code == 404


def test_rotating_needs_the_permission(client: Client) -> None:
    endpoint = make_endpoint()
    old = endpoint.secret
    client.force_login(make_staff(*EDITOR, "webhooks.reveal_secret"))

    assert url("rotate_secret", endpoint) not in change_page(client, endpoint)
    assert client.post(url("rotate_secret", endpoint), {"overlap": "1h"}).status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.secret == old


def test_rotating_keeps_the_old_secret_signing_for_the_overlap_and_shows_the_new_once(
    client: Client,
) -> None:
    endpoint = make_endpoint()
    old = endpoint.secret
    client.force_login(make_staff(*EDITOR, "webhooks.rotate_secret"))
    form = client.get(url("rotate_secret", endpoint)).content.decode()
    assert 'value="1d"' in form  # the configured default overlap, 24 h

    response = client.post(url("rotate_secret", endpoint), {"overlap": "2h"})

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.signing_secrets() == [endpoint.secret, old]
    expires = endpoint.previous_secret_expires_at
    assert expires is not None
    assert abs(expires - (timezone.now() + timedelta(hours=2))) < timedelta(minutes=1)
    page = change_page(client, endpoint)
    assert endpoint.secret in page
    assert "Also signs every request until" in page
    assert endpoint.secret not in change_page(client, endpoint)


def test_a_bad_overlap_is_a_form_error(admin_client: Client) -> None:
    endpoint = make_endpoint()
    old = endpoint.secret

    response = admin_client.post(url("rotate_secret", endpoint), {"overlap": "soon"})

    assert response.status_code == 200
    assert "is not a duration" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret == old


def test_the_rotate_action_rotates_each_selected_endpoint(admin_client: Client) -> None:
    first, second = make_endpoint(), make_endpoint()
    old = {first.pk: first.secret, second.pk: second.secret}
    changelist = reverse("admin:webhooks_webhookendpoint_changelist")
    selected = {"action": "rotate_secret_selected", "_selected_action": [first.pk, second.pk]}

    asked = admin_client.post(changelist, selected)
    assert asked.status_code == 200
    assert "Rotate signing secrets" in asked.content.decode()
    admin_client.post(changelist, {**selected, "overlap": "0", "confirm": "yes"})

    for endpoint in (first, second):
        endpoint.refresh_from_db()
        assert endpoint.secret != old[endpoint.pk]
        assert endpoint.signing_secrets() == [endpoint.secret]  # no overlap asked for
        assert endpoint.secret in change_page(admin_client, endpoint)
