"""Dispatcher benchmark: ``make bench`` (or ``python -m bench.dispatch``).

In a scratch data directory (SQLite + ORM broker unless DATABASE_URL / REDIS_URL point
elsewhere), against ``bench.receiver`` in its own process:

* baseline: a raw ``httpx.Client`` keep-alive loop POSTing the same bodies;
* throughput: N events x M endpoints committed, then the real ``qcluster`` started;
  deliveries/s from the first receipt to the last;
* request path: SQL statements and milliseconds ``approve()`` costs with 1 and 50
  subscribed endpoints;
* latency: commit → receipt at a steady rate with the worker warm.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class StatementCounter:
    """A database execute wrapper that counts statements (DEBUG's query log is off)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def start_receiver(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port_file = workdir / "receiver.port"
    process = subprocess.Popen([sys.executable, "-m", "bench.receiver", str(port_file)], cwd=ROOT)
    deadline = time.monotonic() + 10
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline:
            raise SystemExit("the benchmark receiver did not start")
        time.sleep(0.05)
    return process, f"http://127.0.0.1:{port_file.read_text()}"


def stats(client: Any, base: str) -> dict[str, Any]:
    result: dict[str, Any] = client.get(f"{base}/stats").json()
    return result


def baseline(base: str, body: bytes, count: int) -> float:
    import httpx

    with httpx.Client() as client:
        client.get(f"{base}/reset")
        started = time.perf_counter()
        for _ in range(count):
            client.post(f"{base}/in", content=body, headers={"content-type": "application/json"})
        return count / (time.perf_counter() - started)


def wait_for_receipts(client: Any, base: str, expected: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (current := stats(client, base))["count"] < expected:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {current['count']} of {expected} deliveries arrived")
        time.sleep(0.1)
    return current


def wait_until_sent(pending: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while pending.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"deliveries still pending after {timeout}s")
        time.sleep(0.1)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--endpoints", type=int, default=5)
    parser.add_argument("--latency-events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="events/s for latency")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="webhooks-bench-"))
    from cryptography.fernet import Fernet

    # Production configuration: DEBUG would log every query of the worker in memory.
    os.environ.update(
        DATA_DIR=str(workdir),
        DJANGO_SETTINGS_MODULE="settings",
        LOG_LEVEL="WARNING",
        Q_LOG_LEVEL="WARNING",
        WEBHOOKS_ALLOW_PRIVATE_URLS="true",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="localhost",
        WEBHOOKS_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    import django

    django.setup()
    import httpx
    from django.core.management import call_command
    from django.db import connection, transaction

    from testimonials.models import Testimonial
    from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

    call_command("migrate", verbosity=0)
    receiver, base = start_receiver(workdir)
    worker: subprocess.Popen[bytes] | None = None
    results: dict[str, Any] = {
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        ),
        "database": connection.vendor,
        "broker": "redis" if os.environ.get("REDIS_URL") else "orm",
    }
    try:
        client = httpx.Client()
        endpoints = [
            WebhookEndpoint.objects.create(url=f"{base}/e{n}") for n in range(args.endpoints)
        ]

        def new_testimonial() -> Testimonial:
            return Testimonial.objects.create(
                author_name="Bench", content="A benchmark testimonial, long enough.", rating=5
            )

        with transaction.atomic():
            new_testimonial()
        body = WebhookEvent.objects.get().payload.encode()
        total = args.events * args.endpoints
        results["baseline_per_s"] = baseline(base, body, total)

        client.get(f"{base}/reset")
        WebhookEvent.objects.all().delete()
        for start in range(0, args.events, 200):
            with transaction.atomic():
                for _ in range(min(200, args.events - start)):
                    new_testimonial()
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=os.environ.copy()
        )
        done = wait_for_receipts(client, base, total, timeout=600)
        results["throughput_per_s"] = total / max(done["last"] - done["first"], 1e-9)
        results["throughput_deliveries"] = total
        results["ratio_to_baseline"] = results["throughput_per_s"] / results["baseline_per_s"]

        for subscribed in (1, 50):
            WebhookEndpoint.objects.update(is_active=False)
            for n in range(subscribed):
                WebhookEndpoint.objects.update_or_create(
                    url=f"{base}/q{n}", defaults={"is_active": True}
                )
            timings, counts = [], []
            for _ in range(30):
                testimonial = Testimonial.objects.get(pk=new_testimonial().pk)
                statements = StatementCounter()
                with connection.execute_wrapper(statements):
                    started = time.perf_counter()
                    testimonial.approve()
                    timings.append((time.perf_counter() - started) * 1000)
                counts.append(statements.count)
            # Sent before the endpoints change, so latency is measured on an idle worker.
            wait_until_sent(WebhookDelivery.objects.filter(status="pending"))
            results[f"approve_queries_{subscribed}"] = max(counts)
            results[f"approve_ms_{subscribed}"] = statistics.median(timings)

        WebhookEndpoint.objects.update(is_active=False)
        WebhookEndpoint.objects.filter(pk=endpoints[0].pk).update(is_active=True)
        client.get(f"{base}/reset")
        committed: dict[str, float] = {}
        for _ in range(args.latency_events):
            tick = time.monotonic()
            new_testimonial()
            committed_at = time.time()
            event_id = WebhookEvent.objects.order_by("-created_at").values_list("id", flat=True)[0]
            committed[str(event_id)] = committed_at
            time.sleep(max(0.0, 1 / args.rate - (time.monotonic() - tick)))
        receipts = wait_for_receipts(client, base, len(committed), timeout=60)["receipts"]
        latencies = [(receipts[i] - t) * 1000 for i, t in committed.items() if i in receipts]
        results["latency_p50_ms"] = percentile(latencies, 0.5)
        results["latency_p99_ms"] = percentile(latencies, 0.99)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        receiver.terminate()

    report(results)


def report(results: dict[str, Any]) -> None:
    rows = [
        ("machine", results["machine"]),
        ("database / broker", f"{results['database']} / {results['broker']}"),
        ("baseline: raw httpx keep-alive loop", f"{results['baseline_per_s']:,.0f} req/s"),
        (
            f"throughput: {results['throughput_deliveries']:,} deliveries via qcluster",
            f"{results['throughput_per_s']:,.0f} deliveries/s",
        ),
        ("ratio to baseline", f"{results['ratio_to_baseline']:.2f}"),
        (
            "approve(): queries, 1 / 50 endpoints",
            f"{results['approve_queries_1']} / {results['approve_queries_50']}",
        ),
        (
            "approve(): median ms, 1 / 50 endpoints",
            f"{results['approve_ms_1']:.2f} / {results['approve_ms_50']:.2f}",
        ),
        (
            "latency commit → receipt p50 / p99",
            f"{results['latency_p50_ms']:.0f} / {results['latency_p99_ms']:.0f} ms",
        ),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    out = ROOT / "bench" / "results" / f"dispatch-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
