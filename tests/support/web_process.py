"""The web service as production runs it: gunicorn with several workers, in a child
process, on the test database."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from django.conf import settings

from tests.support.processes import ROOT, child_env, manage
from tests.support.worker import database_url

PRODUCTION_KEY = "test-only-production-like-secret-key-0123456789-abcdefghijklmnop"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def collected_static(data_dir: Path) -> dict[str, str]:
    """The environment of a gunicorn that serves pages with static files: production
    storage names them by their hashes, from a manifest ``collectstatic`` writes."""
    env = {"STATIC_ROOT": str(data_dir / "static")}
    production = {
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECRET_KEY": PRODUCTION_KEY,
        "WEBHOOKS_ENCRYPTION_KEYS": ",".join(settings.WEBHOOKS_ENCRYPTION_KEYS),
    }
    collected = manage("collectstatic", "--noinput", env=child_env(**production, **env))
    assert collected.returncode == 0, collected.stderr
    return env


@contextmanager
def gunicorn(
    data_dir: Path,
    env: dict[str, str] | None = None,
    workers: int | None = 2,
    options: tuple[str, ...] = (),
) -> Iterator[str]:
    """Its base URL once it answers ``/healthz``; stopped (SIGTERM) afterwards. Runs with
    DJANGO_DEBUG=false, as production does, over plain HTTP on 127.0.0.1. ``options``
    are more of gunicorn's command-line options; ``workers=None`` keeps the number
    gunicorn.conf.py sets."""
    port = free_port()
    log = data_dir / f"gunicorn-{port}.log"
    defaults = {
        "DATABASE_URL": database_url(),
        "DATA_DIR": str(data_dir),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": PRODUCTION_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "WEBHOOKS_ENCRYPTION_KEYS": ",".join(settings.WEBHOOKS_ENCRYPTION_KEYS),
        "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "settings.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        *(("--workers", str(workers)) if workers else ()),
        *options,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=child_env(**{**defaults, **(env or {})}), stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
