"""A receiving team's first session in the portal, in a real browser: open the link,
add an endpoint pointing at a real receiver, send a test event and see it arrive with its
attempt, make the receiver fail, replay after it recovers, rotate the secret and verify
both signatures during the overlap. Every page is checked with axe-core and shot at
390 px and 1280 px (test-artifacts/portal-*.png).

Everything is real: Django's live server, a ``qcluster`` child process, a receiver on
127.0.0.1, Debian's Chromium driven by Playwright, the ``standardwebhooks`` library."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from pytest_django import Settings
from standardwebhooks.webhooks import Webhook

from tests.support.browser import (
    ARTIFACTS,
    chromium_page,
    reload_until,
    require_axe,
    serious_violations,
)
from tests.support.factories import make_subscriber
from tests.support.receiver import Received, Receiver
from tests.support.worker import StartWorker
from webhooks.access.delegation import Delegator
from webhooks.subscribers import links

pytestmark = [
    pytest.mark.database_agnostic,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

WIDTHS = (390, 1280)


@pytest.fixture
def enter_path(settings: Settings) -> str:
    """Database work first: Playwright's sync API runs an event loop in this thread, and
    Django rightly refuses ORM calls under one."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # the receiver is on 127.0.0.1
    subscriber = make_subscriber("CRM team", max_endpoints=3)
    _, path = links.create(subscriber, Delegator.command_line("the browser test"))
    return path


@pytest.fixture
def page(enter_path: str, start_worker: StartWorker) -> Iterator[Page]:
    # Two tries 0.2 s apart: a failing receiver exhausts a delivery at once.
    start_worker(WEBHOOKS_RETRY_SCHEDULE="0.2s", WEBHOOKS_ALLOW_PRIVATE_URLS="true")
    with chromium_page() as page:
        yield page


class Checker:
    """Runs axe-core on each page once, and shoots it at both widths."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.axe = require_axe()
        self.findings: dict[str, list[str]] = {}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def check(self, name: str) -> None:
        self.findings[name] = serious_violations(self.page, self.axe)
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=str(ARTIFACTS / f"portal-{name}-{width}.png"), full_page=True)
            if width == 390:
                # Readable on a phone: nothing wider than the screen but scrolling tables.
                overflow = self.page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, (
                    f"{name} is {overflow}px wider than a 390px screen: {self.too_wide()}"
                )
        self.page.set_viewport_size({"width": 1280, "height": 900})

    def too_wide(self) -> list[str]:
        return list(
            self.page.evaluate(
                """() => [...document.querySelectorAll("body *")]
                .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                .filter(e => !(e.parentElement && e.parentElement.closest(".scroll")))
                .slice(0, 8)
                .map(e => `${e.tagName}.${e.className} ${e.getBoundingClientRect().right}`)"""
            )
        )


def verified(request: Received, secret: str) -> bool:
    try:
        Webhook(secret).verify(request.body, request.headers)
    except Exception:  # any refusal is "not verified"
        return False
    return True


def test_a_team_manages_its_endpoint_in_the_portal(
    page: Page,
    site: str,
    enter_path: str,
    receiver: Receiver,
) -> None:
    checker = Checker(page)

    page.goto(f"{site}{enter_path}")
    assert page.url == f"{site}/portal/enter/"  # the token left the address bar
    expect(page.locator("h1")).to_have_text("Webhooks portal of CRM team")
    checker.check("enter")
    # Django's own CSRF check, Origin included: the portal sends a same-origin Referer.
    page.click("text=Open the portal of CRM team")
    assert page.url == f"{site}/portal/"
    expect(page.locator("h1")).to_have_text("Your endpoints")
    checker.check("empty")

    page.click("text=Add an endpoint")
    checker.check("new")
    page.fill("#id_url", receiver.url("/crm"))
    page.fill("#id_description", "CRM intake")
    page.check("input[value='testimonial.approved']")
    page.click("button.primary")
    expect(page.locator("section.secret")).to_contain_text("shown this once")
    secret = page.input_value("input.secret-value")
    assert secret.startswith("whsec_")
    checker.check("endpoint")

    # A test event arrives, signed, and its attempt shows.
    page.click("text=Send a test event")
    reload_until(page, "#attempts", "HTTP 200")
    receiver.wait_for(lambda got: len(got) == 1, timeout=30)
    [first] = receiver.at("/crm")
    assert verified(first, secret)
    checker.check("delivery")

    # The receiver fails: the delivery runs out of tries; it recovers; a replay succeeds.
    receiver.script("/crm", 500)
    page.goto(f"{site}/portal/")
    checker.check("home")
    page.click("text=CRM intake")
    page.click("text=Send a test event")
    reload_until(page, ".status", "failed")
    receiver.script("/crm", 200)
    page.click("button:has-text('Replay')")
    expect(page.locator("ul.messages")).to_contain_text("Replayed 1 delivery")
    reload_until(page, ".status", "succeeded")
    replayed = receiver.at("/crm")[-1]
    assert replayed.status == 200
    assert replayed.headers["webhook-id"] == receiver.at("/crm")[1].headers["webhook-id"]
    page.click("text=CRM intake")
    page.click("text=Deliveries")
    expect(page.locator("#deliveries tbody tr")).to_have_count(2)
    checker.check("deliveries")

    # Rotation: during the overlap every request verifies with the old and the new secret.
    page.click("text=CRM intake")
    page.click("text=Rotate the secret")
    checker.check("rotate")
    page.fill("#id_overlap", "1h")
    page.click("button.primary")
    new_secret = page.input_value("input.secret-value")
    assert new_secret != secret
    checker.check("rotated")
    page.click("text=Back to the endpoint")
    page.click("text=Send a test event")
    reload_until(page, "#attempts", "HTTP 200")
    last = receiver.at("/crm")[-1]
    assert verified(last, new_secret)
    assert verified(last, secret)
    assert len(last.headers["webhook-signature"].split()) == 2

    page.click("text=CRM intake")
    page.click("text=Preview")
    checker.check("preview")
    page.click("text=Event catalogue")
    checker.check("events")

    serious = {name: found for name, found in checker.findings.items() if found}
    assert not serious, serious
    # And axe does find what it should: an image without a text alternative is critical.
    page.set_content('<html lang="en"><title>t</title><main><img src="x.png"></main></html>')
    assert any("image-alt" in line for line in serious_violations(page, checker.axe))
