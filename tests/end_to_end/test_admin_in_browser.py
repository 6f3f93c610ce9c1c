"""An operator's first session, in a real browser: log in, add an endpoint pointing at
``webhook_listen``, copy its secret, send a test event, watch the delivery log, replay.

Everything is real: Django's live server, a ``qcluster`` child process, the listener
command verifying signatures, Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django import Settings

from tests.support.browser import ARTIFACTS, chromium_page, reload_until
from tests.support.factories import (
    make_delivery,
    make_endpoint,
    make_staff,
    make_subscriber,
    make_superuser,
    make_traffic,
)
from tests.support.processes import ROOT, child_env
from tests.support.worker import Worker, database_url
from webhooks import endpoint_actions
from webhooks.access.delegation import Delegator
from webhooks.models import WebhookEndpoint
from webhooks.subscribers import links
from webhooks.validation import headers

pytestmark = [
    pytest.mark.database_agnostic,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Listener:
    """``manage.py webhook_listen`` in a child process; its output in a file."""

    def __init__(self, port: int, secret: str, log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-u",
                str(ROOT / "manage.py"),
                "webhook_listen",
                "--port",
                str(port),
                "--secret",
                secret,
            ],
            cwd=ROOT,
            env=child_env(DATABASE_URL=database_url(), DATA_DIR=str(log.parent)),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.wait_for(lambda text: "Listening on" in text, "the listener to start")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, condition: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while not condition(text := self.output()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"waiting for {what}; listener said:\n{text}")
            time.sleep(0.1)
        return text

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def worker(tmp_path: Path, transactional_db: None) -> Iterator[Worker]:
    worker = Worker(tmp_path).start()
    yield worker
    worker.stop()


@pytest.fixture
def page(site: str, worker: Worker, settings: Settings) -> Iterator[Page]:
    """Everything that touches the database is set up first: Playwright's sync API runs
    an event loop in this thread, and Django rightly refuses ORM calls under one."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # the listener is on 127.0.0.1
    make_superuser(username="ops", password="a-long-test-password")
    with chromium_page() as page:
        yield page


def sign_in(page: Page, site: str, username: str = "ops") -> None:
    page.goto(f"{site}/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()


def test_an_operator_sends_a_test_event_and_replays_it(
    page: Page, site: str, tmp_path: Path
) -> None:
    port = free_port()
    listener: Listener | None = None
    try:
        sign_in(page, site)

        page.goto(f"{site}/admin/webhooks/webhookendpoint/add/")
        page.fill("#id_url", f"http://127.0.0.1:{port}/hooks")
        page.fill("#id_description", "Local listener")
        expect(page.locator(".field-max_in_flight .help")).to_contain_text("Empty: the default")
        page.fill("#id_max_in_flight", "4")
        page.fill("#id_rate_limit", "2.5")
        page.click("input[name=_save]")
        expect(page.locator(".webhooks-secret")).to_contain_text("shown only this once")
        expect(page.locator("#id_max_in_flight")).to_have_value("4")
        expect(page.locator("#id_rate_limit")).to_have_value("2.500")
        expect(page.locator(".field-pause .readonly")).to_have_text("no")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "endpoint.png"), full_page=True)
        # The listener verifies every signature with what the page showed.
        secret = page.input_value("#webhook-secret")
        page.click("button[data-copy]")
        expect(page.locator("button[data-copy]")).to_have_text("Copied")

        listener = Listener(port, secret, tmp_path / "listener.log")
        page.reload()
        expect(page.locator("#webhook-secret")).to_have_count(0)  # shown once only

        page.click("text=Send test event")
        page.click("input[value='Send webhook.test']")
        expect(page.get_by_text("Test event queued")).to_be_visible()
        reload_until(page, "#result_list td.field-status_badge", "Succeeded")
        first = listener.wait_for(lambda text: "signature verified" in text, "the test event")
        assert "webhook.test" in first

        page.click("#result_list th.field-id a")
        expect(page.locator(".inline-related td.field-status_code p").first).to_have_text("200")
        page.go_back()
        page.check("#result_list input.action-select")
        page.select_option("select[name=action]", "replay_selected")
        page.click("button[name=index]")
        expect(page.get_by_text("Replayed 1 delivery")).to_be_visible()
        reload_until(page, "#result_list td.field-attempts", "2")
        reload_until(page, "#result_list td.field-status_badge", "Succeeded")

        both = listener.wait_for(
            lambda text: text.count("signature verified") == 2, "the replayed event"
        )
        ids = re.findall(r"webhook-id=(\S+)", both)
        assert len(ids) == 2
        assert ids[0] == ids[1]  # a replay keeps the webhook-id
        assert "NOT verified" not in both

        page.click("#toggle-nav-sidebar")  # the log's columns want the whole width
        page.screenshot(path=str(ARTIFACTS / "delivery-log.png"), full_page=True)
        page.goto(f"{site}/admin/webhooks/webhookendpoint/")
        page.screenshot(path=str(ARTIFACTS / "endpoints.png"))
        page.goto(f"{site}/admin/webhooks/webhookdelivery/")
        page.click("#result_list th.field-id a")
        # The admin scrolls inside its own layout, so a full-page shot needs a tall window.
        page.set_viewport_size({"width": 1400, "height": 2200})
        page.screenshot(path=str(ARTIFACTS / "delivery-detail.png"))
    finally:
        if listener is not None:
            listener.stop()


@pytest.fixture
def signed_in(site: str, transactional_db: None) -> Iterator[Page]:
    make_superuser(username="ops", password="a-long-test-password")
    with chromium_page() as page:
        sign_in(page, site)
        yield page


def test_an_operator_creates_an_api_key_reads_the_docs_and_revokes_it(
    signed_in: Page, site: str
) -> None:
    page = signed_in
    page.goto(f"{site}/admin/api/apikey/add/")
    page.fill("#id_name", "crm")
    page.check("input[value='webhooks:read']")
    page.click("input[name=_save]")
    expect(page.get_by_text("shown only this once")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "api-key.png"), full_page=True)
    key = page.input_value("#api-key")
    bearer = {"Authorization": f"Bearer {key}"}
    assert httpx.get(f"{site}/api/v1/status/", headers=bearer).status_code == 200
    assert httpx.get(f"{site}/api/v1/testimonials/", headers=bearer).status_code == 403

    # The docs page, its scripts and styles served by us, the schema read with the session.
    page.goto(f"{site}/api/docs/")
    expect(page.get_by_text("/api/v1/deliveries/replay/").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "api-docs.png"))

    page.goto(f"{site}/admin/api/apikey/")
    expect(page.locator("#result_list")).to_contain_text(key.split(".")[0])
    page.check("#result_list input.action-select")
    page.select_option("select[name=action]", "revoke_selected")
    page.click("button[name=index]")
    expect(page.get_by_text("Revoked: crm.")).to_be_visible()
    assert httpx.get(f"{site}/api/v1/status/", headers=bearer).status_code == 401


@pytest.fixture
def linked_subscriber() -> int:
    """A subscriber with one portal link, made before the browser (see ``signed_in``)."""
    subscriber = make_subscriber("Partner team")
    links.create(subscriber, Delegator.command_line("the browser test"))
    return subscriber.pk


def test_the_subscriber_page_revokes_its_portal_links(
    linked_subscriber: int, signed_in: Page, site: str
) -> None:
    """The button sat in a form nested in the change form: browsers drop the inner form,
    so it saved the subscriber and revoked nothing."""
    page = signed_in
    page.goto(f"{site}/admin/webhooks/subscriber/{linked_subscriber}/change/")
    expect(page.locator(".field-portal_links")).to_contain_text("active")
    page.click("text=Revoke every portal link")
    expect(page.get_by_text("Revoked 1 portal link(s); their sessions ended.")).to_be_visible()
    expect(page.locator(".field-portal_links")).to_contain_text("revoked")


def test_slack_in_two_minutes_from_the_admin(
    signed_in: Page, site: str, settings: Settings
) -> None:
    """docs/webhooks.md "Slack in two minutes": the URL picks the format, the filter is saved, and
    the preview shows the message and the filter's verdict."""
    settings.SITE_URL = site
    page = signed_in
    page.goto(f"{site}/admin/webhooks/webhookendpoint/add/")
    expect(page.locator("#id_format")).to_have_value("")
    page.fill("#id_url", "https://hooks.slack.com/services/T000/B000/XXXX")
    page.fill("#id_description", "#testimonials")
    page.check("input[value='testimonial.created']")
    page.fill("#id_filter", '{"testimonial": {"rating": {"$gte": "4"}}}')
    page.click("input[name=_save]")
    expect(page.locator(".field-filter .errorlist")).to_contain_text("testimonial.rating $gte")
    page.fill("#id_filter", '{"testimonial": {"rating": {"$gte": 4}}}')
    page.click("input[name=_save]")
    expect(page.locator(".webhooks-secret")).to_be_visible()
    expect(page.locator("#id_format")).to_have_value("slack")

    page.click("text=Preview")
    expect(page.locator("#id_type")).to_have_value("testimonial.created")
    expect(page.locator("#preview-verdict")).to_contain_text("the filter lets this event through")
    message = page.locator("#preview-text")
    expect(message).to_contain_text("New testimonial")
    expect(message).to_contain_text("★★★★★ 5/5")
    expect(message).to_contain_text(f"[View in admin] {site}/admin/testimonials/testimonial/1/")
    expect(page.locator("#preview-body")).to_contain_text('"blocks"')
    page.set_viewport_size({"width": 1280, "height": 1800})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "endpoint-preview.png"), full_page=True)

    page.select_option("#id_type", "testimonial.approved")
    page.click("#preview-form input[type=submit]")
    expect(page.locator("#preview-verdict")).to_contain_text(
        "does not receive testimonial.approved events"
    )


@pytest.fixture
def traffic(transactional_db: None) -> None:
    """A day of deliveries to three receivers, one of them failing, one disabled."""
    now = timezone.now()
    make_traffic(make_endpoint(description="CRM"), now, hours=24, per_hour=6, failing_every=9)
    make_traffic(make_endpoint(description="Slack #wins"), now, hours=10, per_hour=3)
    broken = make_endpoint(description="Legacy ERP")
    make_traffic(broken, now, hours=6, per_hour=4, failing_every=2)
    endpoint_actions.disable(broken, "Disabled automatically: every try failed for more than 5d.")
    make_delivery(broken, status="pending")


def test_the_overview_reads_at_1280_px(traffic: None, signed_in: Page, site: str) -> None:
    page = signed_in
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site}/admin/")
    page.get_by_role("link", name="Overview").click()
    expect(page.locator("h1")).to_have_text("Webhooks overview")
    expect(page.locator("#deliveries-chart rect.succeeded").first).to_be_visible()
    expect(page.locator("#deliveries-chart rect.failed").first).to_be_visible()
    expect(page.locator("#latency-chart polyline.p95")).to_be_visible()
    expect(page.locator("#backlog-pending")).to_have_text("1")
    rows = page.locator("#endpoint-health tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Legacy ERP")
    expect(rows.first).to_contain_text("disabled")
    expect(rows.first).to_contain_text("50.0%")
    # Readable at 1,280 px: nothing wider than the window, the numbers beside the charts.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    chart = page.locator("#deliveries-chart").bounding_box()
    numbers = page.locator("#deliveries-numbers").bounding_box()
    assert chart is not None
    assert numbers is not None
    assert numbers["x"] >= chart["x"] + chart["width"]  # beside, not below
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)


@pytest.fixture
def clerk_page(site: str, transactional_db: None) -> Iterator[tuple[Page, WebhookEndpoint]]:
    """A staff user who may add API keys and view endpoints and deliveries, nothing more;
    an endpoint with a chat URL and a receiver's credential in a header."""
    make_staff(
        "api.add_apikey",
        "webhooks.view_webhookendpoint",
        "webhooks.view_webhookdelivery",
        username="clerk",
        password="a-long-test-password",
    )
    make_superuser(username="root", password="a-long-test-password")
    endpoint = make_endpoint(
        url="https://hooks.slack.com/services/T000/B000/XXXXchatT0ken",
        description="Sales channel",
        headers={"X-Team": "h3ader-credential"},
    )
    with chromium_page() as page:
        sign_in(page, site, "clerk")
        yield page, endpoint


def test_a_clerk_sees_no_credential_and_grants_only_what_they_hold(
    clerk_page: tuple[Page, WebhookEndpoint], site: str
) -> None:
    page, endpoint = clerk_page
    # Viewing an endpoint was a 500 (the form of a read-only page has no fields).
    page.goto(f"{site}/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    expect(page.locator("h1")).to_have_text("View webhook endpoint")
    expect(page.locator(".field-masked_url")).to_contain_text("https://hooks.slack.com/services/…")
    expect(page.locator(".field-header_names")).to_contain_text("X-Team (values are write-only)")
    assert "XXXXchatT0ken" not in page.content()
    assert "h3ader-credential" not in page.content()
    page.goto(f"{site}/admin/webhooks/webhookendpoint/")
    expect(page.locator("#result_list")).to_contain_text("Sales channel")
    assert "XXXXchatT0ken" not in page.content()

    # "Add API key" alone made a key with every scope acting as a superuser.
    page.goto(f"{site}/admin/api/apikey/add/")
    expect(page.locator(".field-scopes .help")).to_contain_text(
        "You may give the scopes whose permissions you hold: webhooks:read."
    )
    expect(page.locator("#id_user")).to_be_disabled()
    page.fill("#id_name", "everything")
    for scope in ("webhooks:read", "webhooks:write", "webhooks:secrets"):
        page.check(f"input[value='{scope}']")
    page.click("input[name=_save]")
    expect(page.locator(".errornote, .errorlist").first).to_be_visible()
    expect(page.locator("ul.errorlist.nonfield")).to_contain_text(
        "does not hold what webhooks:write, webhooks:secrets stand for"
    )
    page.uncheck("input[value='webhooks:write']")
    page.uncheck("input[value='webhooks:secrets']")
    page.click("input[name=_save]")
    expect(page.get_by_text("shown only this once")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "api-key-clerk.png"), full_page=True)


def test_an_editor_keeps_header_values_without_seeing_them(
    clerk_page: tuple[Page, WebhookEndpoint], site: str
) -> None:
    page, endpoint = clerk_page
    page.context.clear_cookies()
    sign_in(page, site, "root")
    page.goto(f"{site}/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    expect(page.locator("#id_url")).to_have_value(endpoint.url)  # its edit page: whole
    shown = page.input_value("#id_headers")
    assert json.loads(shown) == {"X-Team": headers.KEPT}
    page.fill("#id_description", "Sales channel (renamed)")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert "h3ader-credential" not in page.content()

    # The ORM from another thread: Playwright runs an event loop in this one.
    def stored_headers() -> dict[str, str]:
        try:
            return dict(WebhookEndpoint.objects.get(pk=endpoint.pk).headers)
        finally:
            connection.close()  # a test database with a connection left open is not dropped

    with ThreadPoolExecutor(1) as thread:
        assert thread.submit(stored_headers).result() == {"X-Team": "h3ader-credential"}


@pytest.fixture
def first_hour(transactional_db: None) -> WebhookEndpoint:
    """A fresh deployment's first hour: one endpoint with a long URL, a long failure and a
    subscriber, a few tries."""
    subscriber = make_subscriber("Partner integrations team")
    endpoint = make_endpoint(
        url="https://integrations.partner.example.com/webhooks/testimonials/inbound/v2/crm",
        description="Partner CRM intake",
        subscriber=subscriber,
        event_types=["testimonial.media_added", "testimonial.responded", "delivery.exhausted"],
    )
    # Its three tries, a minute apart, within one clock hour whatever the minute this runs
    # at: the charts draw a marker per hour (at 22:01 they straddled two).
    now = timezone.now()
    if now.minute < 3:
        now = now.replace(minute=0, second=0, microsecond=0) - timedelta(minutes=1)
    make_traffic(endpoint, now, hours=1, per_hour=3, failing_every=2)
    endpoint_actions.disable(
        endpoint,
        "Disabled automatically: every try failed for more than 5d (at least 5 tries). "
        "Last error: HTTP 503 Service Unavailable",
    )
    return endpoint


def test_the_admin_fits_a_fresh_deployment(
    first_hour: WebhookEndpoint, signed_in: Page, site: str
) -> None:
    """Issue 26, item 8, at 1400 px with the navigation sidebar open: a lone hour of data
    draws markers, the endpoint list fits, the URL input shows the URL, event-type names
    never break mid-word. Shots at 390 and 1280 px too (test-artifacts/admin-*.png)."""
    page = signed_in
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 900})

    page.goto(f"{site}/admin/webhooks/overview/")
    expect(page.locator("#latency-chart circle.p95")).to_have_count(1)
    expect(page.locator("#endpoint-health svg.spark circle")).to_have_count(1)

    page.goto(f"{site}/admin/webhooks/webhookendpoint/")
    if page.locator("#nav-sidebar").is_hidden():
        page.click("#toggle-nav-sidebar")
    expect(page.locator("#nav-sidebar")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "admin-endpoints-sidebar-1400.png"))
    results = page.locator("#changelist .results")
    assert results.evaluate("e => e.scrollWidth - e.clientWidth") <= 0  # no column cut off
    expect(page.locator("#result_list td.field-last_failure")).to_be_in_viewport()

    page.goto(f"{site}/admin/webhooks/webhookendpoint/{first_hour.pk}/change/")
    url = page.locator("#id_url")
    assert url.evaluate("e => e.scrollWidth - e.clientWidth") <= 0  # the whole URL shows
    for label in page.locator("#id_event_types label").all():
        box = label.bounding_box()
        assert box is not None
        assert box["height"] < 30, label.inner_text()  # one line each

    for path, name in [
        ("/admin/webhooks/overview/", "overview"),
        ("/admin/webhooks/webhookendpoint/", "endpoints"),
        (f"/admin/webhooks/webhookendpoint/{first_hour.pk}/change/", "endpoint"),
        (f"/admin/webhooks/subscriber/{first_hour.subscriber_id}/change/", "subscriber"),
    ]:
        page.goto(f"{site}{path}")
        for width in (390, 1280, 1400):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(ARTIFACTS / f"admin-{name}-{width}.png"), full_page=True)
