"""Dispatcher benchmark for one database/broker configuration:
``python -m bench.dispatch --output FILE`` (``make bench`` runs it for each).

In a scratch data directory (SQLite + ORM broker unless DATABASE_URL / REDIS_URL point
elsewhere), against ``bench.receiver`` in its own process:

* baseline: a raw ``httpx.Client`` keep-alive loop POSTing the same bodies;
* throughput: N events x M endpoints committed, then the real ``qcluster`` started;
  deliveries/s from the first receipt to the last, and the ratio to the baseline;
* request path: queries and milliseconds ``approve()`` costs with 1 and 100 endpoints;
* latency: commit → receipt at a steady rate with the worker warm;
* isolation: throughput to 9 healthy endpoints while a 10th hangs until the timeout, as a
  fraction of the same run with all 10 healthy;
* memory: the worker's resident memory before and after 100,000 deliveries.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import api, formats, log_scale, observability, scheduling, writes
from bench.harness import TIMEOUT, Bench, configure
from bench.support import Receiver, StatementCounter, percentile


def throughput(bench: Bench, events: int, endpoints: int) -> dict[str, Any]:
    from webhooks.models import WebhookEvent

    bench.subscribe_only([f"/e{n}" for n in range(endpoints)])
    bench.testimonial()
    body = WebhookEvent.objects.latest("created_at").payload.encode()
    total = events * endpoints
    bench.receiver.reset()
    base = bench.receiver.base
    import httpx

    with httpx.Client() as client:
        started = time.perf_counter()
        for _ in range(total):
            client.post(f"{base}/raw", content=body, headers={"content-type": "application/json"})
        baseline = total / (time.perf_counter() - started)

    bench.receiver.reset()
    WebhookEvent.objects.all().delete()
    bench.commit_events(events)
    bench.start_worker()
    done = bench.receiver.wait_for(total, timeout=600, prefix="/e")
    rate = total / max(done["last"] - done["first"], 1e-9)
    return {
        "baseline_per_s": baseline,
        "throughput_deliveries": total,
        "throughput_per_s": rate,
        "ratio_to_baseline": rate / baseline,
    }


def request_path(bench: Bench) -> dict[str, Any]:
    from django.db import connection

    results: dict[str, Any] = {}
    for subscribed in (1, 100):
        bench.drain()
        bench.subscribe_only([f"/q{n}" for n in range(subscribed)])
        timings, counts, control = [], [], []
        for _ in range(30):
            testimonial = bench.Testimonial.objects.get(pk=bench.testimonial().pk)
            statements = StatementCounter()
            with connection.execute_wrapper(statements):
                started = time.perf_counter()
                testimonial.approve()
                timings.append((time.perf_counter() - started) * 1000)
            counts.append(statements.queries)
            control.append(statements.control)
        results[f"approve_queries_{subscribed}"] = max(counts)
        results[f"approve_transaction_statements_{subscribed}"] = max(control)
        results[f"approve_ms_{subscribed}"] = statistics.median(timings)
    return results


def latency(bench: Bench, events: int, rate: float) -> dict[str, Any]:
    from webhooks.models import WebhookEvent

    bench.drain()  # measured on an idle, warm worker
    bench.subscribe_only(["/e0"])
    bench.receiver.reset()
    committed: dict[str, float] = {}
    for _ in range(events):
        tick = time.monotonic()
        bench.testimonial()
        committed_at = time.time()
        event_id = WebhookEvent.objects.order_by("-created_at").values_list("id", flat=True)[0]
        committed[str(event_id)] = committed_at
        time.sleep(max(0.0, 1 / rate - (time.monotonic() - tick)))
    bench.receiver.wait_for(len(committed), timeout=60)
    receipts = bench.receiver.stats()["receipts"]
    latencies = [(receipts[i] - t) * 1000 for i, t in committed.items() if i in receipts]
    return {
        "latency_p50_ms": percentile(latencies, 0.5),
        "latency_p99_ms": percentile(latencies, 0.99),
    }


def isolation(bench: Bench, events: int) -> dict[str, Any]:
    def healthy_rate(paths: list[str]) -> float:
        bench.stop_worker()
        bench.subscribe_only(paths)
        bench.receiver.reset()
        bench.commit_events(events)
        bench.start_worker()
        expected = events * sum(1 for p in paths if p.startswith("/i"))
        done = bench.receiver.wait_for(expected, timeout=300, prefix="/i")
        return float(expected / max(done["last"] - done["first"], 1e-9))

    bench.drain()
    all_healthy = healthy_rate([f"/i{n}" for n in range(10)])
    one_hanging = healthy_rate([*(f"/i{n}" for n in range(9)), "/hang"])
    bench.subscribe_only([])  # the hanging endpoint's backlog waits, never claimed again
    return {
        "isolation_all_healthy_per_s": all_healthy,
        "isolation_one_hanging_per_s": one_hanging,
        "isolation_fraction": one_hanging / all_healthy,
    }


def memory(bench: Bench, deliveries: int) -> dict[str, Any]:
    from webhooks.publishing import outbox

    endpoints = 20  # fewer events to commit for the same number of deliveries
    bench.subscribe_only([f"/m{n}" for n in range(endpoints)])
    bench.receiver.reset()

    def event() -> None:
        outbox.publish("testimonial.created", lambda: {"bench": "memory " * 40})

    worker = bench.start_worker()
    bench.commit_events(5000 // endpoints, event)  # warm up: connections, caches, pools
    bench.receiver.wait_for(5000, timeout=300, prefix="/m")
    before = worker.rss_mb()
    bench.commit_events(deliveries // endpoints, event)
    bench.receiver.wait_for(5000 + deliveries, timeout=900, prefix="/m")
    after = worker.rss_mb()
    return {
        "memory_deliveries": deliveries,
        "worker_rss_before_mb": before,
        "worker_rss_after_mb": after,
        "worker_rss_growth_mb": after - before,
    }


FIGURES = (
    "loopback",
    "slow",
    "fairness",
    "rate",
    "ordered",
    "memory",
    "api",
    "filters",
    "formats",
    "watching",
    "writes",
    "spread",
    "log",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--endpoints", type=int, default=5)
    parser.add_argument("--latency-events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="events/s for latency")
    parser.add_argument("--isolation-events", type=int, default=500)
    parser.add_argument("--memory-deliveries", type=int, default=100_000)
    parser.add_argument("--slow-deliveries", type=int, default=3000)
    parser.add_argument("--burst-events", type=int, default=500, help="x 24 endpoints")
    parser.add_argument("--limited-deliveries", type=int, default=1000)
    parser.add_argument("--ordered-events", type=int, default=1000)
    parser.add_argument("--log-deliveries", type=int, default=100_000)
    parser.add_argument("--spread-deliveries", type=int, default=10_000)
    parser.add_argument(
        "--log-sizes",
        default="",
        help="log sizes to seed and read (default 100000,10000000 on PostgreSQL, "
        "100000,1000000 on SQLite)",
    )
    parser.add_argument(
        "--figures",
        default=",".join(FIGURES),
        help=f"comma-separated, of: {', '.join(FIGURES)}",
    )
    parser.add_argument("--output", type=Path, required=True, help="JSON file to write")
    args = parser.parse_args()
    figures = set(args.figures.split(","))

    workdir = Path(tempfile.mkdtemp(prefix="webhooks-bench-"))
    configure(workdir)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    results: dict[str, Any] = {
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        ),
        "database": connection.vendor,
        "broker": "redis" if os.environ.get("REDIS_URL") else "orm",
        "webhooks_timeout_s": float(TIMEOUT),
    }
    receiver = Receiver(workdir)
    bench = Bench(receiver)
    try:
        if "loopback" in figures:
            results |= throughput(bench, args.events, args.endpoints)
            results |= request_path(bench)
            results |= latency(bench, args.latency_events, args.rate)
            results |= isolation(bench, args.isolation_events)
        if "slow" in figures:
            results |= scheduling.one_slow_endpoint(bench, args.slow_deliveries, 100, None)
            results |= scheduling.one_slow_endpoint(bench, 2 * args.slow_deliveries, 100, 64)
        if "fairness" in figures:
            results |= scheduling.fairness(bench, args.burst_events, 24, rate=10)
        if "rate" in figures:
            results |= scheduling.rate_limited(bench, args.limited_deliveries, 50, workers=2)
        if "ordered" in figures:
            results |= scheduling.ordered(bench, args.ordered_events, 0.2)
        if "memory" in figures and args.memory_deliveries:
            results |= memory(bench, args.memory_deliveries)
        if "api" in figures:
            results |= api.submit_and_approve_queries(bench)
            results |= api.delivery_log(bench, args.log_deliveries)
        if "filters" in figures:
            results |= formats.filter_cost(bench)
        if "formats" in figures:
            results |= formats.render_cost()
            results |= formats.slack_throughput(bench, args.events // 2, args.endpoints)
        if "watching" in figures:
            results |= observability.watching_cost(bench, args.log_deliveries)
        if "spread" in figures:
            results |= scheduling.spread(bench, args.spread_deliveries, 10, 20)
            results |= scheduling.spread(bench, args.spread_deliveries, 500, 20)
            results["spread_ratio"] = results["spread_500_per_s"] / results["spread_10_per_s"]
            slow = scheduling.spread(bench, 6000, 24, 100)
            results["spread_24_slow_per_s"] = slow["spread_24_per_s"]
        if "writes" in figures:
            results |= writes.write_path(bench)
        if "log" in figures:  # last: it replaces the log with its own
            bench.stop_worker()
            bench.subscribe_only([])
            default = "100000,10000000" if connection.vendor == "postgresql" else "100000,1000000"
            sizes = [int(size) for size in (args.log_sizes or default).split(",")]
            results |= log_scale.scaled(sizes)
    finally:
        bench.stop_worker()
        receiver.close()
    args.output.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
