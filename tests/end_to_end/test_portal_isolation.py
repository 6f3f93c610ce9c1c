"""The portal's isolation matrix over real HTTP (Django's live server): every portal route
tried with another subscriber's object ids is a 404, and a revoked or expired link, and
every session opened with it, gets nothing on any route."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from django.utils import timezone

from tests.support.portal import OBJECT_ROUTES, ROUTES, Team, make_team
from webhooks.models import PortalLink, WebhookDelivery, WebhookEndpoint
from webhooks.subscribers import links

pytestmark = [pytest.mark.database_agnostic, pytest.mark.django_db(transaction=True)]


@contextmanager
def browser(site: str, team: Team) -> Iterator[httpx.Client]:
    """A client holding a portal session opened with ``team``'s link, and its CSRF token."""
    with httpx.Client(base_url=site, timeout=10) as client:
        offered = client.get(team.enter_path)
        assert offered.status_code == 302
        assert offered.headers["location"] == "/portal/enter/"
        assert client.get("/portal/enter/").status_code == 200
        token = client.cookies["csrftoken"]
        opened = client.post("/portal/enter/", data={"csrfmiddlewaretoken": token})
        assert opened.status_code == 302
        assert opened.headers["location"] == "/portal/"
        page = client.get("/portal/")
        assert page.status_code == 200
        assert "csrftoken" in client.cookies
        yield client


def attempt(client: httpx.Client, method: str, path: str, form: dict[str, str]) -> int:
    if method == "get":
        return client.get(path).status_code
    token = client.cookies["csrftoken"]
    return client.post(path, data={**form, "csrfmiddlewaretoken": token}).status_code


def test_another_subscribers_objects_are_404_on_every_route(site: str) -> None:
    mine, theirs = make_team("CRM team"), make_team("Partner")
    their_secret = theirs.endpoint.secret
    with browser(site, mine) as client:
        for method, template, form in OBJECT_ROUTES:
            path = template.format(e=theirs.endpoint.pk, d=theirs.delivery.pk)
            assert attempt(client, method, path, form) == 404, f"{method.upper()} {path}"
        # Every route serves the caller's own objects (so the 404s above mean something).
        for method, template, form in ROUTES:
            if method == "get":
                path = template.format(e=mine.endpoint.pk, d=mine.delivery.pk)
                assert attempt(client, method, path, form) == 200, path
    theirs.endpoint.refresh_from_db()
    assert theirs.endpoint.secret == their_secret
    assert theirs.endpoint.url == "https://hooks.example.com/partner"
    assert WebhookDelivery.objects.get(pk=theirs.delivery.pk).status == "failed"
    assert not WebhookDelivery.objects.filter(event__type="webhook.test").exists()


@pytest.mark.parametrize("ending", ["revoked", "expired"])
def test_an_ended_link_and_its_sessions_get_nothing(site: str, ending: str) -> None:
    team = make_team("CRM team")
    with browser(site, team) as client:
        if ending == "revoked":
            links.revoke(PortalLink.objects.filter(pk=team.link.pk))
        else:
            PortalLink.objects.filter(pk=team.link.pk).update(expires_at=timezone.now())
        for method, template, form in ROUTES:
            path = template.format(e=team.endpoint.pk, d=team.delivery.pk)
            assert attempt(client, method, path, form) == 403, f"{method.upper()} {path}"
        assert client.get(team.enter_path).status_code == 403
    assert WebhookEndpoint.objects.filter(pk=team.endpoint.pk).exists()
    assert WebhookEndpoint.objects.count() == 1
