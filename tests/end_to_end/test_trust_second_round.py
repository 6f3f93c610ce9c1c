"""The second trust round (issue 37), over real HTTP as an attacker tried it: gunicorn as
production runs it (DJANGO_DEBUG=false, access log on), a real qcluster and real
receivers on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.factories import (
    make_api_key,
    make_endpoint,
    make_subscriber,
    make_superuser,
    make_testimonial,
)
from tests.support.receiver import Receiver
from tests.support.waiting import wait_until
from tests.support.web_process import collected_static, gunicorn
from tests.support.worker import StartWorker
from webhooks.models import (
    DeliveryAttempt,
    PortalLink,
    SecretRead,
    WebhookDelivery,
    WebhookEndpoint,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class Browser:
    """A browser behind TLS, over plain HTTP to gunicorn: ``X-Forwarded-Proto: https``
    (DJANGO_SECURE_PROXY_SSL_HEADER), and the cookies, which production marks Secure,
    kept by hand. Its forms carry the page's CSRF token and the browser's own Origin
    and Referer unless told otherwise."""

    def __init__(self, site: str) -> None:
        self.http = httpx.Client(base_url=site, timeout=10)
        self.origin = site.replace("http://", "https://")
        self.cookies: dict[str, str] = {}

    def get(self, path: str) -> httpx.Response:
        return self._send("GET", path, None, {})

    def post(self, path: str, **headers: str) -> httpx.Response:
        form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        own = {"origin": self.origin, "referer": f"{self.origin}{path}"}
        return self._send("POST", path, form, {**own, **headers})

    def _send(
        self, method: str, path: str, form: dict[str, str] | None, headers: dict[str, str]
    ) -> httpx.Response:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        answer = self.http.request(
            method,
            path,
            data=form,
            headers={"x-forwarded-proto": "https", "cookie": cookie, **headers},
        )
        for line in answer.headers.get_list("set-cookie"):
            name, value = line.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return answer


def open_portal(site: str, link_url: str) -> Browser:
    """A browser in the portal: the link opened, then the button of the page it leads to."""
    browser = Browser(site)
    offered = browser.get(link_url.replace(browser.origin, ""))
    assert offered.headers["location"] == "/portal/enter/"
    assert offered.headers["referrer-policy"] == "no-referrer"
    asked = browser.get("/portal/enter/")
    assert asked.headers["referrer-policy"] == "same-origin"
    opened = browser.post("/portal/enter/")
    assert opened.headers.get("location") == "/portal/", opened.status_code
    return browser


def test_links_are_minted_only_by_whole_delegators_and_never_usable_from_a_log(
    tmp_path: Path,
) -> None:
    root = make_superuser()
    endpoint = make_endpoint("https://hooks.example.com/ops")
    subscriber = make_subscriber("Partner")
    _, writer = make_api_key("webhooks:write", user=root)
    _, whole = make_api_key("webhooks:write", "webhooks:read", "webhooks:secrets", user=root)
    access_log = tmp_path / "access.log"

    behind_tls = {"DJANGO_SECURE_PROXY_SSL_HEADER": "true", **collected_static(tmp_path)}
    logging = ("--access-logfile", str(access_log))
    with gunicorn(tmp_path, env=behind_tls, options=logging) as site:
        api = httpx.Client(base_url=f"{site}/api/v1", timeout=10)
        # A write-only key moved the operator's endpoint in, minted a link, revealed.
        moved = api.patch(
            f"/endpoints/{endpoint.pk}/", json={"subscriber": subscriber.pk}, headers=bearer(writer)
        )
        assert moved.status_code == 403
        minted = api.post(f"/subscribers/{subscriber.pk}/portal-links/", headers=bearer(writer))
        assert minted.status_code == 403
        assert minted.headers["content-type"] == "application/problem+json"

        api.patch(
            f"/endpoints/{endpoint.pk}/", json={"subscriber": subscriber.pk}, headers=bearer(whole)
        ).raise_for_status()
        made = api.post(f"/subscribers/{subscriber.pk}/portal-links/", headers=bearer(whole))
        assert made.status_code == 201
        link_url = made.json()["url"]
        token = link_url.rstrip("/").rsplit("/", 1)[1]

        portal = open_portal(site, link_url)
        revealed = portal.post(f"/portal/endpoints/{endpoint.pk}/reveal-secret/")
        assert endpoint.secret in revealed.text

        # A cross-site form (Origin: null, or another site) is refused even with the
        # cookie's token; a GET of another subscriber's link switches nothing.
        for origin in ("null", "https://evil.example"):
            delete = f"/portal/endpoints/{endpoint.pk}/delete/"
            assert portal.post(delete, origin=origin, referer="").status_code == 403
        other = make_subscriber("Other")
        other_link = api.post(f"/subscribers/{other.pk}/portal-links/", headers=bearer(whole))
        other_path = other_link.json()["url"].replace(portal.origin, "")
        assert portal.get(other_path).status_code == 302
        home = portal.get("/portal/")
        assert home.status_code == 200
        assert "Partner" in home.text
        asked = portal.get("/portal/enter/")
        assert "You are in the portal of <strong>Partner</strong>" in asked.text
        # Django logs the path of a refused request ("Forbidden: /portal/enter/…").
        assert portal.get("/portal/enter/n0t-a-real-t0ken/").status_code == 403

    assert WebhookEndpoint.objects.get(pk=endpoint.pk).pk  # not deleted
    (read,) = SecretRead.objects.filter(endpoint=endpoint)
    assert read.through == "portal"
    assert read.portal_link == PortalLink.objects.get(subscriber=subscriber)
    logged = access_log.read_text()
    assert "/portal/enter/[token]/" in logged
    assert token not in logged
    (service_log,) = tmp_path.glob("gunicorn-*.log")  # Django's own lines
    assert "Forbidden: /portal/enter/[token]/" in service_log.read_text()
    for log in (logged, service_log.read_text()):
        assert token not in log
        assert "n0t-a-real-t0ken" not in log


def test_a_try_that_cannot_be_settled_is_recorded_and_the_others_are_served(
    start_worker: StartWorker,
) -> None:
    """The worker's own retry schedule past any calendar: before, the sender thread died,
    the try was lost and the endpoint held a place for ever. (The report's 3,000,000 days
    overflow only when the ±20 % jitter draws long; 30,000,000 always do.)"""
    with Receiver().running() as receiver:
        receiver.script("/broken", 500)
        broken = make_endpoint(url=receiver.url("/broken"))
        fine = make_endpoint(url=receiver.url("/fine"))
        start_worker(
            WEBHOOKS_RETRY_SCHEDULE="30000000d", WEBHOOKS_LEASE="10s", WEBHOOKS_TIMEOUT="5"
        )
        make_testimonial()

        wait_until(
            lambda: not WebhookDelivery.objects.filter(status="pending").exists(),
            30,
            "both deliveries settled",
        )
        lost = WebhookDelivery.objects.get(endpoint=broken)
        assert (lost.status, lost.attempts) == ("failed", 1)
        (attempt,) = DeliveryAttempt.objects.filter(delivery=lost)
        assert "internal error (OverflowError)" in attempt.error
        assert WebhookDelivery.objects.get(endpoint=fine).status == "succeeded"
        wait_until(
            lambda: not WebhookEndpoint.objects.get(pk=broken.pk).claimed_by,
            15,
            "the broken endpoint released",
        )
        make_testimonial()
        receiver.wait_for(lambda got: len(got) == 4, timeout=30)
        assert len(receiver.at("/broken")) == 2


def test_credentials_stay_with_their_origin_through_the_api_and_the_worker(
    tmp_path: Path, start_worker: StartWorker
) -> None:
    root = make_superuser()
    _, operator = make_api_key("webhooks:write", "webhooks:read", user=root)
    with Receiver().running() as old, Receiver().running() as new:
        endpoint = make_endpoint(url=old.url("/in"), headers={"Authorization": "Bearer 0ld"})
        start_worker()
        with gunicorn(tmp_path) as site:
            moved = httpx.patch(
                f"{site}/api/v1/endpoints/{endpoint.pk}/",
                json={"url": new.url("/in")},
                headers=bearer(operator),
            )
            assert moved.json()["dropped_headers"] == ["Authorization"]
        make_testimonial()
        new.wait_for(lambda got: len(got) == 1, timeout=30)
        (received,) = new.received
        assert "authorization" not in received.headers
        assert not old.received
