"""A real ``manage.py qcluster`` in a child process, on the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.support.processes import ROOT, child_env

READY_LINE = "webhook dispatcher started"

# The ``start_worker`` fixture: start a Worker with these environment overrides.
StartWorker = Callable[..., "Worker"]


def database_url() -> str:
    """The test database (not the one in settings at import), for a child process."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """Start with ``start()``; ``kill()`` is SIGKILL for the whole cluster (sentinel,
    pusher, monitor and workers), as when a machine dies."""

    def __init__(self, log_dir: Path, **env: str) -> None:
        self.log_path = log_dir / f"qcluster-{time.monotonic_ns()}.log"
        defaults = {
            "DATABASE_URL": database_url(),
            "DATA_DIR": str(log_dir),
            "WEBHOOKS_ENCRYPTION_KEYS": ",".join(settings.WEBHOOKS_ENCRYPTION_KEYS),
            "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
            "Q_WORKERS": "2",
        }
        if os.environ.get("REDIS_URL"):
            defaults["REDIS_URL"] = os.environ["REDIS_URL"]
        self.env = child_env(**{**defaults, **env})
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60, *, wait: bool = True) -> Worker:
        """Starts the cluster and, with ``wait``, returns once it is ready."""
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        if not wait:
            return self
        deadline = time.monotonic() + timeout
        while READY_LINE not in self.log()[offset:]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"qcluster did not start:\n{self.log()[-3000:]}")
            time.sleep(0.1)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> float:
        """SIGTERM to the main process only, as systemd (KillMode=mixed) or Docker do:
        django-q2 stops its children itself, and hangs if they are signalled too.
        Returns how long it took; a worker that does not stop is killed, and that fails
        the test (a SIGKILL here once hid a worker that hung on every stop)."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        started = time.monotonic()
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            raise AssertionError(
                f"qcluster did not stop within {timeout:g}s of SIGTERM:\n{self.log()[-3000:]}"
            ) from None
        return time.monotonic() - started
