"""``manage.py webhook_listen`` in a child process, as a developer runs it: a real
receiver that prints what it gets and whether each signature verified."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import ROOT, child_env
from webhooks.trust import signing

Listener = tuple[str, str, Path]  # its URL, the secret it verifies with, its output


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[Listener]:
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


def wait_for_text(path: Path, text: str, timeout: float = 10, count: int = 1) -> str:
    deadline = time.monotonic() + timeout
    while (content := path.read_text()).count(text) < count:
        assert time.monotonic() < deadline, content
        time.sleep(0.05)
    return content
