"""``manage.py webhook_listen``: the developer's local receiver, run as a user would."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.processes import ROOT, child_env
from webhooks import signing
from webhooks.sending.attempt import Target, request_headers

pytestmark = pytest.mark.slow


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    secret = signing.generate_secret()
    output = tmp_path / "listen.out"
    with output.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "webhook_listen",
                "--port",
                "0",
                "--secret",
                secret,
                "--status",
                "202",
            ],
            cwd=ROOT,
            env=child_env(DATA_DIR=str(tmp_path), PYTHONUNBUFFERED="1"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while not (found := re.search(r"http://127\.0\.0\.1:(\d+)/", output.read_text())):
        assert process.poll() is None, output.read_text()
        assert time.monotonic() < deadline, "webhook_listen did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{found.group(1)}/", secret, output
    process.terminate()
    process.wait(timeout=10)


def signed(secret: str, body: bytes) -> dict[str, str]:
    target = Target(1, 1, "", [secret], {}, "8d4e2f0a-1b2c-4d3e-8f40-5a6b7c8d9e0f", body, 0, 0)
    return request_headers(target, int(time.time()))


def wait_for_text(path: Path, text: str) -> str:
    deadline = time.monotonic() + 10
    while text not in (content := path.read_text()):
        assert time.monotonic() < deadline, content
        time.sleep(0.05)
    return content


def test_it_prints_each_event_and_whether_it_verified(
    listener: tuple[str, str, Path],
) -> None:
    url, secret, output = listener
    body = b'{"type":"testimonial.approved","data":{"testimonial":{"id":7}}}'

    good = httpx.post(url, content=body, headers=signed(secret, body))
    bad = httpx.post(url, content=body, headers=signed(signing.generate_secret(), body))

    assert (good.status_code, bad.status_code) == (202, 202)
    printed = wait_for_text(output, "signature NOT verified")
    assert "testimonial.approved  webhook-id=8d4e2f0a-1b2c-4d3e-8f40-5a6b7c8d9e0f" in printed
    assert "signature verified" in printed
    assert '"id": 7' in printed


def test_a_malformed_secret_is_refused() -> None:
    from tests.processes import manage

    result = manage("webhook_listen", "--secret", "nope", env=child_env())

    assert result.returncode != 0
    assert "--secret: a webhook secret starts with 'whsec_'" in result.stderr
