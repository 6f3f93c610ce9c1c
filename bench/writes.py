"""The write path: the API under 16 concurrent writers (each submits a testimonial and
approves it, again and again), through gunicorn as the image runs it, with one worker
sending to a receiver that answers at once. Measured with no endpoint subscribed
(webhooks off) and with one (on): what recording and sending webhooks cost the site."""

from __future__ import annotations

from typing import Any

from bench.harness import Bench
from bench.support import machine_cpu_seconds, percentile

WRITERS = 16
SECONDS = 15.0
WARM_UP_SECONDS = 3.0
# The web process as deployed, over plain HTTP on 127.0.0.1; throttling as configured,
# with an allowance no benchmark client reaches.
WEB_ENV = {
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "API_KEY_RATE": "10000000/minute",
}


def _run(base: str, label: str, seconds: float = SECONDS) -> dict[str, Any]:
    from http_api.models import ApiKey
    from tests.support.load import drive

    # A key of its own: throttling keeps each key's recent requests, and a key that
    # carried over would make the second run pay for the first one's.
    _, key = ApiKey.create(f"bench-writes-{label}", ["testimonials:write", "testimonials:moderate"])

    busy_before = machine_cpu_seconds()
    writes = drive(base, key, WRITERS, seconds)
    busy_after = machine_cpu_seconds()
    if writes.errors:
        raise SystemExit(f"writes ({label}) failed: {writes.errors[:3]}")
    # What a write costs the machine, whatever its speed at the moment: on two shared
    # cores writes/s swings 10-20 % between runs, the CPU a write takes far less.
    cpu: dict[str, float] = {}
    if busy_before is not None and busy_after is not None and writes.latencies_ms:
        cpu[f"writes_{label}_cpu_ms"] = 1000 * (busy_after - busy_before) / len(writes.latencies_ms)
    return cpu | {
        f"writes_{label}_per_s": writes.per_second,
        f"writes_{label}_p50_ms": percentile(writes.latencies_ms, 0.5),
        f"writes_{label}_p99_ms": percentile(writes.latencies_ms, 0.99),
    }


def write_path(bench: Bench) -> dict[str, Any]:
    import os
    from pathlib import Path

    from django.conf import settings

    from tests.support.web_process import gunicorn

    bench.start_worker()
    results: dict[str, Any] = {"writes_clients": WRITERS}
    # The run's broker and cache (the test helper leaves Redis out unless told).
    redis = {"REDIS_URL": os.environ["REDIS_URL"]} if os.environ.get("REDIS_URL") else {}
    with gunicorn(Path(settings.DATA_DIR), env={**WEB_ENV, **redis}, workers=None) as base:
        bench.subscribe_only([])
        _run(base, "warm-up", seconds=WARM_UP_SECONDS)  # first connections, lazy imports
        results |= _run(base, "off")
        bench.subscribe_only(["/writes"])
        bench.receiver.reset()
        results |= _run(base, "on")
    bench.drain()
    bench.subscribe_only([])
    bench.stop_worker()
    results["writes_on_off_ratio"] = results["writes_on_per_s"] / results["writes_off_per_s"]
    if "writes_on_cpu_ms" in results:
        results["writes_cpu_off_on_ratio"] = (
            results["writes_off_cpu_ms"] / results["writes_on_cpu_ms"]
        )
    return results
