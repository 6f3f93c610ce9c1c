"""Benchmarks against receivers that answer like the internet does (tens to hundreds of
milliseconds), where scheduling matters more than raw speed:

* one endpoint answering in 100 ms: deliveries/s and the most requests in flight, with
  the default ``max_in_flight`` and with 64;
* fairness: commit → receipt latency of a quiet endpoint while thousands of deliveries
  to two dozen endpoints answering in 40 ms drain, against the same probe with no burst;
* a rate-limited endpoint (50/s) with two ``qcluster`` processes: the most receipts in
  any one second, and the average rate;
* an ordered endpoint, 1,000 events, a fifth of the answers 500: deliveries out of order;
* the same 10,000 deliveries over 10 and over 500 endpoints answering in 20 ms, and
  6,000 over 24 endpoints answering in 100 ms: whether sending costs more as
  subscribers multiply.
"""

from __future__ import annotations

import time
from typing import Any

from bench.harness import Bench
from bench.support import percentile, wait_until


def one_slow_endpoint(
    bench: Bench, deliveries: int, latency_ms: int, max_in_flight: int | None
) -> dict[str, Any]:
    bench.stop_worker()
    label = f"/slow{max_in_flight or 'default'}"
    bench.subscribe_only([f"{label}?ms={latency_ms}"], max_in_flight=max_in_flight)
    bench.receiver.reset()
    bench.commit_events(deliveries)
    bench.start_worker()
    done = bench.receiver.wait_for(deliveries, timeout=600, prefix=label)
    suffix = f"_{max_in_flight}" if max_in_flight else ""
    return {
        f"slow_endpoint{suffix}_per_s": deliveries / max(done["last"] - done["first"], 1e-9),
        f"slow_endpoint{suffix}_peak_in_flight": done["peak_in_flight"],
    }


def spread(bench: Bench, deliveries: int, endpoints: int, latency_ms: int) -> dict[str, Any]:
    """``deliveries`` due at once, spread evenly over ``endpoints`` answering in
    ``latency_ms``, sent by one qcluster with the default settings: deliveries/s."""
    bench.stop_worker()  # what others left pending stays so: their endpoints go inactive
    label = f"/spread{endpoints}-"
    bench.subscribe_only([f"{label}{n}?ms={latency_ms}" for n in range(endpoints)])
    bench.receiver.reset()
    bench.commit_events(deliveries // endpoints)
    bench.start_worker()
    done = bench.receiver.wait_for(deliveries, timeout=600, prefix=label)
    bench.stop_worker()
    return {
        f"spread_{endpoints}_per_s": deliveries / max(done["last"] - done["first"], 1e-9),
        "spread_deliveries": deliveries,
        "spread_latency_ms": latency_ms,
    }


def fairness(bench: Bench, burst_events: int, burst_endpoints: int, rate: float) -> dict[str, Any]:
    """Probes for one quiet endpoint, with and without a burst to the others."""
    from webhooks.publishing import outbox

    bench.drain()
    burst = bench.subscribe_only([f"/burst{n}?ms=40" for n in range(burst_endpoints)] + ["/quiet"])
    quiet = burst.pop()
    bench.start_worker()

    def probe(seconds: float | None, until_burst_drained: int = 0) -> list[float]:
        committed: dict[str, float] = {}
        started = time.monotonic()
        while True:
            tick = time.monotonic()
            event = outbox.publish("webhook.test", lambda: {"probe": True}, endpoint_ids=[quiet])
            if event is None:
                raise SystemExit("the probe event was not recorded")
            committed[event.webhook_id] = time.time()
            if seconds is not None and tick - started >= seconds:
                break
            if until_burst_drained and _arrived(bench, "/burst") >= until_burst_drained:
                break
            time.sleep(max(0.0, 1 / rate - (time.monotonic() - tick)))
        bench.receiver.wait_for(len(committed), timeout=60, prefix="/quiet")
        receipts = bench.receiver.stats()["receipts"]
        return [(receipts[i] - t) * 1000 for i, t in committed.items() if i in receipts]

    probe(seconds=0)  # the worker is up and has sent to this endpoint once
    bench.receiver.reset()
    calm = probe(seconds=5)
    bench.receiver.reset()
    started = time.monotonic()
    total = burst_events * burst_endpoints
    bench.commit_events(
        burst_events,
        lambda: outbox.publish("testimonial.created", dict, endpoint_ids=burst),
    )
    # Probing starts once the burst is in, and lasts until it has drained.
    busy = probe(seconds=None, until_burst_drained=total)
    bench.receiver.wait_for(total, timeout=600, prefix="/burst")
    return {
        "fairness_burst_deliveries": total,
        "fairness_burst_seconds": time.monotonic() - started,
        "fairness_calm_p50_ms": percentile(calm, 0.5),
        "fairness_calm_p99_ms": percentile(calm, 0.99),
        "fairness_busy_p50_ms": percentile(busy, 0.5),
        "fairness_busy_p99_ms": percentile(busy, 0.99),
        "fairness_busy_probes": len(busy),
    }


def _arrived(bench: Bench, prefix: str) -> int:
    paths = bench.receiver.stats()["paths"]
    return sum(v[0] for path, v in paths.items() if path.startswith(prefix))


def rate_limited(bench: Bench, deliveries: int, limit: float, workers: int) -> dict[str, Any]:
    bench.drain()
    bench.stop_worker()
    bench.subscribe_only(["/limited?ms=20"], rate_limit=limit)
    bench.receiver.reset()
    bench.commit_events(deliveries)
    for _ in range(workers):
        bench.add_worker()
    bench.receiver.wait_for(deliveries, timeout=600, prefix="/limited")
    times = sorted(bench.receiver.path("/limited")["times"])
    return {
        "rate_limit": limit,
        "rate_limit_workers": workers,
        "rate_limited_worst_second": _busiest_second(times),
        "rate_limited_average_per_s": (len(times) - 1) / max(times[-1] - times[0], 1e-9),
    }


def _busiest_second(times: list[float]) -> int:
    """The most receipts in any window of one second (windows starting at a receipt)."""
    most, end = 0, 0
    for start, moment in enumerate(times):
        while end < len(times) and times[end] < moment + 1:
            end += 1
        most = max(most, end - start)
    return most


def ordered(bench: Bench, events: int, failure_share: float) -> dict[str, Any]:
    from webhooks.models import WebhookDelivery

    bench.drain()
    bench.stop_worker()
    bench.subscribe_only([f"/ordered?ms=5&fail={failure_share}"], ordered=True)
    bench.receiver.reset()
    bench.commit_events(events)
    sequence = {
        str(event_id): n
        for n, event_id in enumerate(
            WebhookDelivery.objects.filter(endpoint__ordered=True, endpoint__is_active=True)
            .order_by("id")
            .values_list("event_id", flat=True)
        )
    }
    started = time.monotonic()
    # A short schedule, so that the failures cost seconds, not hours.
    bench.start_worker(WEBHOOKS_RETRY_SCHEDULE="0.05s" + ",0.2s" * 12, WEBHOOKS_RETRY_JITTER="0")
    wait_until(
        lambda: len(bench.receiver.path("/ordered")["succeeded"]) >= events,
        600,
        "every ordered delivery",
    )
    seconds = time.monotonic() - started
    answered = [sequence[i] for i in bench.receiver.path("/ordered")["succeeded"]]
    highest, out_of_order = -1, 0
    for n in answered:
        out_of_order += n < highest
        highest = max(highest, n)
    bench.stop_worker()
    return {
        "ordered_events": events,
        "ordered_failure_share": failure_share,
        "ordered_requests": bench.receiver.stats()["paths"]["/ordered"][0],
        "ordered_out_of_order": out_of_order,
        "ordered_per_s": events / seconds,
    }
