"""End to end over HTTP, as docs/api.md shows it: a key from ``create_api_key``, curl
against a live server, the real worker, ``webhook_listen`` receiving and verifying."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from tests.support.factories import make_api_key
from tests.support.listening import Listener, wait_for_text
from tests.support.processes import ROOT, child_env
from tests.support.readme import README_BASE, readme_block
from tests.support.waiting import wait_until
from tests.support.worker import StartWorker, database_url
from webhooks.models import WebhookDelivery

pytestmark = [
    pytest.mark.database_agnostic,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def run_block(block: str, base: str, tmp_path: Path, **env: str) -> str:
    script = block.replace(README_BASE, base).replace(".venv/bin/python", sys.executable)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script + '\nprintf "\\n__KEY=%s\\n" "$KEY"\n'],
        cwd=ROOT,
        env=child_env(
            DATABASE_URL=database_url(),
            DATA_DIR=str(tmp_path),
            WEBHOOKS_ENCRYPTION_KEYS=",".join(settings.WEBHOOKS_ENCRYPTION_KEYS),
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_readme_api_walkthrough(
    site: str, listener: Listener, start_worker: StartWorker, tmp_path: Path
) -> None:
    url, secret, output = listener
    _, operator_key = make_api_key("webhooks:write", name="operator")
    subscribed = httpx.post(
        f"{site}/api/v1/endpoints/",
        json={"url": url, "secret": secret, "description": "webhook_listen"},
        headers={"Authorization": f"Bearer {operator_key}"},
    )
    assert subscribed.status_code == 201, subscribed.text
    start_worker()

    printed = run_block(readme_block("submit"), site, tmp_path)
    key = printed.rsplit("__KEY=", 1)[1].strip()
    assert '"status":"approved"' in printed
    wait_for_text(output, "testimonial.approved", timeout=30)
    # The first send is recorded before the replay, so the replay is a second request.
    wait_until(
        lambda: WebhookDelivery.objects.filter(status="succeeded").count() == 2,
        30,
        "the created and approved deliveries to succeed",
    )

    carried = [
        line for line in readme_block("submit").splitlines() if line.startswith(("API=", "AUTH="))
    ]
    replay = "\n".join([*carried, readme_block("replay")])
    printed = run_block(replay, site, tmp_path, KEY=key)
    assert '"count":0' in printed  # nothing had failed
    # created, approved, approved again: each line printed once its signature is checked.
    shown = wait_for_text(output, "signature verified", timeout=30, count=3)
    assert shown.count("testimonial.approved  webhook-id=") == 2
    assert "NOT verified" not in shown
