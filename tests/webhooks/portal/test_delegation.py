"""Delegation never exceeds the delegator (SPEC §10): a portal link grants revealing and
rotating secrets, reading deliveries with their bodies and changing endpoints, so minting
one, and putting an endpoint into a subscriber, needs all of that (API: webhooks:write,
webhooks:read and webhooks:secrets; admin: change subscriber, change endpoint, view
delivery, reveal secret). And every read of a secret is recorded: who, which endpoint,
when, through what.

The attack these stop, tried on the code before: a key with only ``webhooks:write``
moved the operator's endpoint into a subscriber, minted a link for it, opened it and
revealed both signing secrets, unrecorded; the link also showed delivery bodies."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.support.factories import make_endpoint, make_staff, make_subscriber, make_superuser
from tests.support.portal import entered, make_team
from webhooks.access.delegation import PORTAL_PERMISSIONS, DelegationRefused, Delegator
from webhooks.models import PortalLink, SecretRead, WebhookEndpoint
from webhooks.subscribers import links

pytestmark = pytest.mark.django_db

W_READ, W_WRITE, W_SECRETS = "webhooks:read", "webhooks:write", "webhooks:secrets"


def test_a_write_only_key_can_neither_move_an_endpoint_in_nor_mint_a_link(
    api_client: Callable[..., APIClient],
) -> None:
    operators = make_endpoint("https://hooks.example.com/ops")
    subscriber = make_subscriber("Partner")
    writer = api_client(W_WRITE)

    moved = writer.patch(
        f"/api/v1/endpoints/{operators.pk}/", {"subscriber": subscriber.pk}, format="json"
    )
    assert moved.status_code == 403
    assert "webhooks:read, webhooks:secrets" in moved.json()["detail"]
    assert WebhookEndpoint.objects.get(pk=operators.pk).subscriber_id is None
    created = writer.post(
        "/api/v1/endpoints/",
        {"url": "https://hooks.example.com/new", "subscriber": subscriber.pk},
        format="json",
    )
    assert created.status_code == 403
    minted = writer.post(f"/api/v1/subscribers/{subscriber.pk}/portal-links/", {}, format="json")
    assert minted.status_code == 403
    assert "lacks webhooks:read, webhooks:secrets" in minted.json()["detail"]
    assert not PortalLink.objects.exists()

    # Without webhooks:read the link would show delivery bodies the key may not read.
    no_reader = api_client(W_WRITE, W_SECRETS)
    assert no_reader.post(f"/api/v1/subscribers/{subscriber.pk}/portal-links/").status_code == 403

    # Taking an endpoint back for the operator hands nothing on.
    theirs = make_endpoint("https://hooks.example.com/theirs", subscriber=subscriber)
    back = writer.patch(f"/api/v1/endpoints/{theirs.pk}/", {"subscriber": None}, format="json")
    assert back.status_code == 200, back.content


def test_a_key_holding_everything_a_link_grants_may_hand_it_on(
    api_client: Callable[..., APIClient],
) -> None:
    operators = make_endpoint("https://hooks.example.com/ops")
    subscriber = make_subscriber("Partner")
    whole = api_client(W_WRITE, W_READ, W_SECRETS)

    moved = whole.patch(
        f"/api/v1/endpoints/{operators.pk}/", {"subscriber": subscriber.pk}, format="json"
    )
    minted = whole.post(f"/api/v1/subscribers/{subscriber.pk}/portal-links/", {}, format="json")

    assert moved.status_code == 200, moved.content
    assert minted.status_code == 201, minted.content
    assert PortalLink.objects.get().created_by.startswith('API key "')


def test_a_key_loses_the_right_with_its_user_permission(
    api_client: Callable[..., APIClient],
) -> None:
    """A key acts as its user: a user who may no longer reveal secrets mints no link."""
    subscriber = make_subscriber("Partner")
    staff = make_staff(
        "webhooks.change_webhookendpoint",
        "webhooks.view_webhookendpoint",
        "webhooks.view_webhookdelivery",
        "webhooks.reveal_secret",
    )
    key = api_client(W_WRITE, W_READ, W_SECRETS, user=staff)
    assert key.post(f"/api/v1/subscribers/{subscriber.pk}/portal-links/").status_code == 201
    staff.user_permissions.remove(*staff.user_permissions.filter(codename="reveal_secret"))
    assert key.post(f"/api/v1/subscribers/{subscriber.pk}/portal-links/").status_code == 403


def test_staff_with_only_change_subscriber_mint_no_link_and_move_no_endpoint(
    client: Client,
) -> None:
    subscriber = make_subscriber("Partner")
    operators = make_endpoint("https://hooks.example.com/ops")
    client.force_login(
        make_staff(
            "webhooks.change_subscriber",
            "webhooks.view_subscriber",
            "webhooks.change_webhookendpoint",
            "webhooks.view_webhookendpoint",
        )
    )

    page = client.get(f"/admin/webhooks/subscriber/{subscriber.pk}/change/").content.decode()
    assert "portal-link/" not in page
    link_page = f"/admin/webhooks/subscriber/{subscriber.pk}/portal-link/"
    assert client.get(link_page).status_code == 403
    assert client.post(link_page, {"expires": "1d"}).status_code == 403
    assert not PortalLink.objects.exists()

    edit = f"/admin/webhooks/webhookendpoint/{operators.pk}/change/"
    assert 'name="subscriber"' not in client.get(edit).content.decode()  # read-only
    client.post(
        edit,
        {"url": operators.url, "subscriber": subscriber.pk, "filter": "{}", "headers": "{}"},
    )
    assert WebhookEndpoint.objects.get(pk=operators.pk).subscriber_id is None


def test_staff_holding_what_a_link_grants_mint_one_and_move_endpoints(client: Client) -> None:
    subscriber = make_subscriber("Partner")
    operators = make_endpoint("https://hooks.example.com/ops")
    client.force_login(
        make_staff(*PORTAL_PERMISSIONS, "webhooks.view_subscriber", "webhooks.view_webhookendpoint")
    )

    page = client.get(f"/admin/webhooks/subscriber/{subscriber.pk}/change/").content.decode()
    assert "portal-link/" in page
    made = client.post(
        f"/admin/webhooks/subscriber/{subscriber.pk}/portal-link/", {"expires": "1d"}
    )
    assert b"/portal/enter/" in made.content
    moved = client.post(
        f"/admin/webhooks/webhookendpoint/{operators.pk}/change/",
        {"url": operators.url, "subscriber": subscriber.pk, "filter": "{}", "headers": "{}"},
    )
    assert moved.status_code == 302, moved.content.decode()[:2000]
    assert WebhookEndpoint.objects.get(pk=operators.pk).subscriber_id == subscriber.pk


def test_the_rule_is_one_and_says_what_is_missing() -> None:
    subscriber = make_subscriber("Partner")
    lacking = Delegator.user(make_staff("webhooks.change_subscriber"))
    with pytest.raises(DelegationRefused, match=r"lacks webhooks\.change_webhookendpoint"):
        links.create(subscriber, lacking)
    assert Delegator.user(make_superuser()).may_delegate
    assert Delegator.command_line("create_portal_link").may_delegate
    assert not Delegator.key(None).may_delegate


def test_every_secret_read_is_recorded_admin_api_and_portal(
    client: Client, api_client: Callable[..., APIClient], admin_client: Client
) -> None:
    team = make_team("CRM team")
    endpoint = team.endpoint

    admin_client.post(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/reveal-secret/")
    api_client(W_SECRETS).get(f"/api/v1/endpoints/{endpoint.pk}/secret/")
    entered(client, team)
    client.post(f"/portal/endpoints/{endpoint.pk}/reveal-secret/")

    reads = list(SecretRead.objects.filter(endpoint=endpoint).order_by("id"))
    assert [r.through for r in reads] == ["admin", "api", "portal"]
    assert reads[0].read_by.startswith("admin user ")
    assert reads[0].user is not None
    assert reads[1].read_by.startswith('API key "')
    assert reads[1].user is not None
    assert reads[2].read_by == f"portal link #{team.link.pk} of CRM team"
    assert reads[2].portal_link == team.link
    assert reads[2].user is None
    page = admin_client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    shown = page.content.decode()
    assert f"portal link #{team.link.pk} of CRM team through the portal" in shown
    assert endpoint.secret not in shown
