"""Portal links: made, entered, revoked and expired, from the admin, the command and the
API, stored only as hashes."""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from tests.support.factories import make_subscriber
from tests.support.portal import entered, make_team
from webhooks.access.delegation import Delegator
from webhooks.models import PortalLink
from webhooks.portal.redaction import TokenFilter, redact
from webhooks.subscribers import links

pytestmark = pytest.mark.django_db


def test_a_link_is_stored_as_a_hash_and_opens_a_session_on_a_clean_address(
    client: Client,
) -> None:
    team = make_team("CRM team")
    token = team.enter_path.split("/")[-2]
    assert len(token) >= 43  # 256 bits
    stored = PortalLink.objects.get(pk=team.link.pk)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(PortalLink.objects.values().get(pk=team.link.pk))

    answer = client.get(team.enter_path)
    assert answer.status_code == 302
    assert answer["Location"] == "/portal/enter/"
    assert answer["Referrer-Policy"] == "no-referrer"
    assert "portal_link" not in client.session  # an offer, not a grant
    assert client.get("/portal/").status_code == 403
    asked = client.get("/portal/enter/")
    assert asked.status_code == 200
    assert asked["Referrer-Policy"] == "same-origin"
    assert b"Open the portal of CRM team" in asked.content
    assert PortalLink.objects.get(pk=team.link.pk).last_used_at is None

    opened = client.post("/portal/enter/")
    assert opened.status_code == 302
    assert opened["Location"] == "/portal/"
    assert client.session["portal_link"] == team.link.pk
    assert client.get("/portal/").status_code == 200
    assert PortalLink.objects.get(pk=team.link.pk).last_used_at is not None


def test_an_unknown_expired_or_revoked_link_opens_nothing(client: Client) -> None:
    team = make_team("CRM team")
    assert client.get("/portal/enter/not-a-token/").status_code == 403
    assert client.get("/portal/").status_code == 403  # no session

    PortalLink.objects.filter(pk=team.link.pk).update(expires_at=timezone.now())
    answer = client.get(team.enter_path)
    assert answer.status_code == 403
    assert b"does not work" in answer.content
    assert answer["Referrer-Policy"] == "no-referrer"
    assert client.post("/portal/enter/").status_code == 403  # nothing offered


def test_revoking_ends_open_sessions_at_once(client: Client) -> None:
    team = make_team("CRM team")
    entered(client, team)
    assert client.get("/portal/").status_code == 200
    assert links.revoke(team.subscriber.portal_links.all()) == 1
    assert client.get("/portal/").status_code == 403
    assert "portal_link" not in client.session
    assert links.revoke(team.subscriber.portal_links.all()) == 0  # already


def test_a_session_ends_when_its_link_expires(client: Client) -> None:
    team = make_team("CRM team")
    entered(client, team)
    PortalLink.objects.filter(pk=team.link.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(f"/portal/endpoints/{team.endpoint.pk}/").status_code == 403


def test_lifetimes_default_to_the_setting_and_stop_at_thirty_days(settings: Settings) -> None:
    subscriber = make_subscriber("CRM team")
    link, _ = links.create(subscriber, Delegator.command_line("tests"))
    assert timedelta(days=7) - (link.expires_at - link.created_at) < timedelta(seconds=5)
    with pytest.raises(links.InvalidLifetime):
        links.create(subscriber, Delegator.command_line("tests"), timedelta(days=31))
    with pytest.raises(links.InvalidLifetime):
        links.create(subscriber, Delegator.command_line("tests"), timedelta(0))
    settings.PORTAL_LINK_TTL = "90d"
    assert links.lifetime(None) == timedelta(days=30)


def test_the_commands_make_and_revoke_links(capsys: pytest.CaptureFixture[str]) -> None:
    subscriber = make_subscriber("CRM team")
    call_command("create_portal_link", "CRM team", "--expires", "2d")
    out, err = capsys.readouterr()
    assert "/portal/enter/" in out
    assert "shown" not in out
    assert "Hand it over" in err
    link = PortalLink.objects.get(subscriber=subscriber)
    assert timedelta(days=2) - (link.expires_at - link.created_at) < timedelta(seconds=5)
    assert link.created_by == "manage.py create_portal_link"
    call_command("create_portal_link", str(subscriber.pk))  # by id too
    call_command("revoke_portal_links", "CRM team")
    assert "Revoked 2 portal link(s)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no subscriber"):
        call_command("create_portal_link", "Nobody")
    with pytest.raises(CommandError, match="at most"):
        call_command("create_portal_link", "CRM team", "--expires", "60d")
    with pytest.raises(CommandError, match="no subscriber"):
        call_command("revoke_portal_links", "Nobody")


def test_the_api_makes_lists_and_revokes_links(
    api_client: Callable[..., APIClient], client: Client
) -> None:
    api = api_client("webhooks:read", "webhooks:write", "webhooks:secrets")
    made = api.post("/api/v1/subscribers/", {"name": "CRM team", "max_endpoints": 3})
    assert made.status_code == 201, made.content
    subscriber_id = made.json()["id"]
    answer = api.post(f"/api/v1/subscribers/{subscriber_id}/portal-links/", {"expires": "1d"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["state"] == "active"
    assert "/portal/enter/" in body["url"]
    listed = api.get(f"/api/v1/subscribers/{subscriber_id}/portal-links/").json()
    assert [row["id"] for row in listed] == [body["id"]]
    assert "url" not in listed[0]

    entered_path = body["url"].split("testserver", 1)[1]
    assert client.get(entered_path).status_code == 302
    assert client.post("/portal/enter/").status_code == 302
    assert client.get("/portal/").status_code == 200
    gone = api.delete(f"/api/v1/subscribers/{subscriber_id}/portal-links/{body['id']}/")
    assert gone.status_code == 204
    assert client.get("/portal/").status_code == 403
    bad = api.post(f"/api/v1/subscribers/{subscriber_id}/portal-links/", {"expires": "45d"})
    assert bad.status_code == 400
    assert "at most" in bad.content.decode()


def test_the_admin_makes_a_link_shown_once_and_revokes_them(admin_client: Client) -> None:
    subscriber = make_subscriber("CRM team")
    page = f"/admin/webhooks/subscriber/{subscriber.pk}/"
    assert b"Portal link" in admin_client.get(f"{page}change/").content
    shown = admin_client.post(f"{page}portal-link/", {"expires": "3d"})
    assert shown.status_code == 200
    assert b"/portal/enter/" in shown.content
    listed = admin_client.get(f"{page}change/").content.decode()
    assert "/portal/enter/" not in listed
    # The link and what it was used for show on the subscriber's page (they showed "-":
    # format_html had turned the dates into text before formatting them).
    assert re.search(r"#\d+ active, made \d{4}-\d\d-\d\d \d\d:\d\d by admin user", listed)
    refused = admin_client.post(f"{page}portal-link/", {"expires": "31d"})
    assert b"at most" in refused.content
    answer = admin_client.post(f"{page}revoke-portal-links/", follow=True)
    assert b"Revoked 1 portal link" in answer.content
    assert PortalLink.objects.get(subscriber=subscriber).state == "revoked"


def test_opening_another_subscribers_link_asks_first(client: Client) -> None:
    """A GET switched an open portal session to whichever link it named: any page could
    log a browser into the attacker's portal (login CSRF)."""
    ours, theirs = make_team("CRM team"), make_team("Attacker")
    entered(client, ours)

    assert client.get(theirs.enter_path).status_code == 302
    assert client.session["portal_link"] == ours.link.pk  # still ours
    assert b"CRM team" in client.get("/portal/").content
    asked = client.get("/portal/enter/").content.decode()
    assert "You are in the portal of <strong>CRM team</strong>" in asked
    assert "Open the portal of Attacker" in asked

    client.post("/portal/enter/")
    assert client.session["portal_link"] == theirs.link.pk
    assert "portal_offer" not in client.session


def test_a_portal_token_is_never_written_to_a_log_line() -> None:
    token = "k7XwQ2s" + "9vJ-secret_token"
    lines = [
        f"Forbidden: /portal/enter/{token}/",
        f'"GET /portal/enter/{token}/ HTTP/1.1" 302 0',
        f"referer https://example.com/portal/enter/{token}?x=1",
    ]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(TokenFilter())
    log = logging.getLogger("tests.portal.redaction")
    log.addHandler(handler)
    try:
        for line in lines:
            log.warning("%s", line)
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert token not in written
    assert written.count("/portal/enter/[token]") == 3
    assert redact("/portal/enter/") == "/portal/enter/"  # the page that asks, no token
    logging_config: dict[str, Any] = settings.LOGGING
    console = logging_config["handlers"]["console"]
    assert console["filters"] == ["portal_tokens"]
