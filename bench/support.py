"""Pieces the dispatcher benchmark is made of: the receiver process, the worker process,
waiting for receipts, counting statements, reading memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
# Transaction control is bookkeeping, not a query: SQLite shows its BEGIN here,
# PostgreSQL's driver sends it implicitly.
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class StatementCounter:
    """A database execute wrapper counting queries (DEBUG's query log is off)."""

    def __init__(self) -> None:
        self.queries = 0
        self.control = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith(_CONTROL):
            self.control += 1
        else:
            self.queries += 1
        return execute(sql, params, many, context)


class Receiver:
    """``bench.receiver`` in its own process, and a client to ask it what arrived."""

    def __init__(self, workdir: Path) -> None:
        port_file = workdir / "receiver.port"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.receiver", str(port_file)], cwd=ROOT
        )
        deadline = time.monotonic() + 10
        while not port_file.exists() or not port_file.read_text():
            if time.monotonic() > deadline:
                raise SystemExit("the benchmark receiver did not start")
            time.sleep(0.05)
        self.base = f"http://127.0.0.1:{port_file.read_text()}"
        self.client = httpx.Client()

    def url(self, path: str) -> str:
        return self.base + path

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.client.get(f"{self.base}/stats").json()
        return result

    def reset(self) -> None:
        self.client.get(f"{self.base}/reset")

    def path(self, path: str) -> dict[str, Any]:
        """One path's arrival times, and the webhook-ids it answered 200, in order."""
        result: dict[str, Any] = self.client.get(f"{self.base}/stats", params={"path": path}).json()
        return result

    def wait_for(self, expected: int, timeout: float, prefix: str = "/") -> dict[str, Any]:
        """Until ``expected`` requests reached paths starting with ``prefix``; returns
        their count, first and last arrival, and the most in flight to one path."""
        deadline = time.monotonic() + timeout
        while True:
            paths = self.stats()["paths"]
            chosen = [v for path, v in paths.items() if path.startswith(prefix)]
            count = sum(v[0] for v in chosen)
            if count >= expected:
                return {
                    "count": count,
                    "first": min(v[1] for v in chosen),
                    "last": max(v[2] for v in chosen),
                    "peak_in_flight": max(v[3] for v in chosen),
                }
            if time.monotonic() > deadline:
                raise SystemExit(f"only {count} of {expected} deliveries arrived at {prefix}*")
            time.sleep(0.1)

    def close(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=10)


class Worker:
    """``manage.py qcluster`` with the benchmark's environment, plus ``env``."""

    def __init__(self, **env: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env={**os.environ, **env},
            start_new_session=True,  # its own group, so a stuck one can be killed whole
        )

    def rss_mb(self) -> float:
        """Resident memory of the whole cluster: the main process and its children."""
        pids = [self.process.pid]
        total_kb = 0
        while pids:
            pid = pids.pop()
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            rss = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
            total_kb += int(rss.split()[1])
            pids += [int(child) for child in children]
        return total_kb / 1024

    def stop(self) -> None:
        # SIGTERM to the main process only: django-q2 stops its children itself.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(os.getpgid(self.process.pid), signal.SIGKILL)


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def machine_cpu_seconds() -> float | None:
    """CPU time the whole machine has spent busy (every process, the kernel included),
    from ``/proc/stat``; None where there is none."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
