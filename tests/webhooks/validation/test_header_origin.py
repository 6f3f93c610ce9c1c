"""Custom header values are bound to the origin they were saved for (SPEC §10): a URL
moved to another origin (scheme, host or port) drops them unless the same request gives
them again, and the admin, the API and the portal say so. Before, a PATCH of only ``url``
sent the stored ``Authorization`` to the new host with the next delivery."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.support.dispatching import send_everything_due
from tests.support.factories import make_endpoint, make_testimonial
from tests.support.portal import entered, make_team
from tests.support.receiver import Receiver
from webhooks.models import DeliveryAttempt, WebhookEndpoint
from webhooks.validation import headers

pytestmark = pytest.mark.django_db

CREDENTIAL = "Bearer 0ld-h0st-t0ken"


@pytest.fixture
def two_receivers() -> Iterator[tuple[Receiver, Receiver]]:
    """Two receivers on 127.0.0.1, on two ports: two origins."""
    with Receiver().running() as first, Receiver().running() as second:
        yield first, second


@pytest.mark.parametrize(
    ("before", "after", "same"),
    [
        ("https://a.example.com/in", "https://a.example.com/other?x=1", True),
        ("https://a.example.com/in", "https://A.example.com:443/in", True),
        ("http://a.example.com/in", "http://a.example.com:80/", True),
        ("https://a.example.com/in", "https://b.example.com/in", False),
        ("https://a.example.com/in", "http://a.example.com/in", False),
        ("https://a.example.com/in", "https://a.example.com:8443/in", False),
        ("https://a.example.com/in", "https://a.example.com.evil.example/in", False),
        ("https://[2001:db8::1]/in", "https://[2001:db8::1]:443/x", True),
    ],
)
def test_an_origin_is_scheme_host_and_port(before: str, after: str, same: bool) -> None:
    assert (headers.origin(before) == headers.origin(after)) is same


def test_an_api_url_change_to_another_origin_drops_what_it_does_not_give_again(
    api_client: Callable[..., APIClient], two_receivers: tuple[Receiver, Receiver]
) -> None:
    old, new = two_receivers
    endpoint = make_endpoint(
        url=old.url("/in"), headers={"Authorization": CREDENTIAL, "X-Team": "crm"}
    )
    api = api_client("webhooks:write", "webhooks:read")

    same_origin = api.patch(
        f"/api/v1/endpoints/{endpoint.pk}/", {"url": old.url("/moved")}, format="json"
    ).json()
    assert same_origin["dropped_headers"] == []
    assert same_origin["header_names"] == ["Authorization", "X-Team"]

    moved = api.patch(
        f"/api/v1/endpoints/{endpoint.pk}/",
        {"url": new.url("/in"), "headers": {"X-Team": "crm-new"}},
        format="json",
    ).json()
    assert moved["dropped_headers"] == ["Authorization"]
    assert moved["header_names"] == ["X-Team"]

    make_testimonial()
    send_everything_due()
    (received,) = new.received
    assert "authorization" not in received.headers
    assert received.headers["x-team"] == "crm-new"
    assert not old.received


def test_an_api_url_change_alone_keeps_no_credential(
    api_client: Callable[..., APIClient], two_receivers: tuple[Receiver, Receiver]
) -> None:
    old, new = two_receivers
    endpoint = make_endpoint(url=old.url("/in"), headers={"Authorization": CREDENTIAL})
    api = api_client("webhooks:write")  # its answer is a receipt: the names still show

    moved = api.patch(f"/api/v1/endpoints/{endpoint.pk}/", {"url": new.url("/in")}, format="json")

    assert moved.json()["dropped_headers"] == ["Authorization"]
    make_testimonial()
    send_everything_due()
    (received,) = new.received
    assert "authorization" not in received.headers
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).headers == {}


def test_the_admin_drops_kept_values_when_the_origin_moves_and_says_so(
    admin_client: Client,
) -> None:
    endpoint = make_endpoint(
        url="https://a.example.com/in", headers={"Authorization": CREDENTIAL, "X-Team": "crm"}
    )
    page = f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/"
    kept = f'{{"Authorization": "{headers.KEPT}", "X-Team": "crm-2"}}'

    answer = admin_client.post(
        page,
        {"url": "https://b.example.com/in", "filter": "{}", "headers": kept},
        follow=True,
    )

    assert answer.status_code == 200
    assert "the stored values of Authorization were dropped" in answer.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.headers == {"X-Team": "crm-2"}
    assert endpoint.headers_origin == "https://b.example.com:443"

    # Within the origin, a kept value stays.
    admin_client.post(
        page,
        {
            "url": "https://b.example.com/other",
            "filter": "{}",
            "headers": f'{{"X-Team": "{headers.KEPT}"}}',
        },
    )
    endpoint.refresh_from_db()
    assert endpoint.headers == {"X-Team": "crm-2"}


def test_the_portal_drops_them_too_and_says_so(client: Client) -> None:
    team = make_team("CRM team")
    endpoint = team.endpoint
    endpoint.bind_headers({"Authorization": CREDENTIAL})
    endpoint.save()
    entered(client, team)

    answer = client.post(
        f"/portal/endpoints/{endpoint.pk}/",
        {"url": "https://elsewhere.example.com/in", "headers": '{"Authorization": "••••••••"}'},
        follow=True,
    )

    assert "the stored values of Authorization were dropped" in answer.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.headers == {}


def test_the_model_drops_them_for_any_other_caller(caplog: pytest.LogCaptureFixture) -> None:
    """A script or the shell that sets only the URL: the values stay behind, loudly."""
    caplog.set_level(logging.WARNING)
    endpoint = make_endpoint(url="https://a.example.com/in", headers={"X-Key": "k3y"})
    endpoint.url = "https://a.example.com/path-only"
    endpoint.save()
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).headers == {"X-Key": "k3y"}

    endpoint.url = "https://b.example.com/in"
    endpoint.save(update_fields=["url"])

    stored = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert stored.headers == {}
    assert stored.headers_origin == "https://b.example.com:443"
    assert endpoint.dropped_header_names == ("X-Key",)
    assert "custom headers X-Key were dropped" in caplog.text
    assert "k3y" not in caplog.text


def test_the_sender_refuses_values_stored_for_another_origin(
    two_receivers: tuple[Receiver, Receiver],
) -> None:
    """A row changed around save() (a queryset update): nothing is sent."""
    old, new = two_receivers
    endpoint = make_endpoint(url=old.url("/in"), headers={"Authorization": CREDENTIAL})
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=new.url("/in"))

    make_testimonial()
    send_everything_due()

    assert not new.received
    assert not old.received
    (attempt,) = DeliveryAttempt.objects.all()
    assert attempt.error.startswith("refused before sending: its custom headers' values were")
    assert CREDENTIAL not in attempt.error
