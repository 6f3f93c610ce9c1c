"""Debian's Chromium driven by Playwright, for the admin's browser tests."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.support.processes import ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", ROOT / "test-artifacts"))
# Headless, as root in a container, on a machine whose network reaches only loopback:
# Chromium's own background traffic would only be refused.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    if shutil.which(CHROMIUM):
        return
    message = f"no Chromium at {CHROMIUM}: `apt-get install chromium` (make test does it as root)"
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def chromium_page() -> Iterator[Page]:
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.set_default_timeout(15_000)
            yield context.new_page()
        finally:
            browser.close()


AXE = ROOT / "tools" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def require_axe() -> str:
    if AXE.exists():
        return AXE.read_text()
    message = "no axe-core: `make node-tools` installs it into tools/browser (needs npm)"
    if os.environ.get("REQUIRE_NODE_TOOLS"):
        pytest.fail(message)
    pytest.skip(message)


def serious_violations(page: Page, axe_source: str) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each.
    Evaluated through the DevTools protocol, so the page's CSP (no script) stays on."""
    page.evaluate(axe_source)
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                where: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {v['where']}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def reload_until(page: Page, selector: str, text: str, timeout: float = 30) -> None:
    """Plain pages (no script): reload until the worker's result shows."""
    deadline = time.monotonic() + timeout
    while text not in page.locator(selector).first.inner_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector} never showed {text!r}")
        time.sleep(0.3)
        page.reload()
