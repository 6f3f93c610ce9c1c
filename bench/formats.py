"""What the formats cost: rendering a body (done once per event and format, when its
deliveries are made, and stored with them) and
loopback throughput to Slack-format endpoints beside standard ones, measured back to back
with the same events, endpoints and worker."""

from __future__ import annotations

import time
from typing import Any

from bench.harness import Bench

RENDERS = 2000
LONG_CONTENT = "A long testimonial & <its> [markup]. " * 135  # about 5,000 characters


def render_cost() -> dict[str, Any]:
    """Microseconds per render, for a sample event and one with a 5,000-character text."""
    from django.utils import timezone

    from webhooks import formats
    from webhooks.models import WebhookEndpoint
    from webhooks.publishing import payloads, preview

    data = preview.sample_data("testimonial.rejected", WebhookEndpoint(id=1))
    short = payloads.encode(payloads.envelope("testimonial.rejected", data, timezone.now()))
    data["testimonial"]["content"] = LONG_CONTENT
    long = payloads.encode(payloads.envelope("testimonial.rejected", data, timezone.now()))
    results: dict[str, Any] = {}
    for name in ("cloudevents", "slack", "discord", "teams"):
        for size, payload in (("sample", short), ("long", long)):
            started = time.perf_counter()
            for _ in range(RENDERS):
                formats.render(name, payload, preview.SAMPLE_ID)
            elapsed = time.perf_counter() - started
            results[f"render_{name}_{size}_us"] = elapsed / RENDERS * 1e6
    return results


def _rate(bench: Bench, prefix: str, events: int, endpoints: int, **fields: Any) -> float:
    from webhooks.models import WebhookEvent

    bench.subscribe_only([f"{prefix}{n}" for n in range(endpoints)], **fields)
    bench.receiver.reset()
    WebhookEvent.objects.all().delete()
    bench.commit_events(events)
    bench.start_worker()
    total = events * endpoints
    done = bench.receiver.wait_for(total, timeout=600, prefix=prefix)
    bench.stop_worker()
    return float(total / max(done["last"] - done["first"], 1e-9))


def slack_throughput(bench: Bench, events: int, endpoints: int) -> dict[str, Any]:
    """Each format twice, alternating, the better run of each: whichever runs first
    pays for a colder machine, which the order alone made look like a format's cost."""
    runs: dict[str, list[float]] = {"standard": [], "slack": []}
    for _ in range(2):
        for name, prefix in (("standard", "/fs"), ("slack", "/fk")):
            runs[name].append(_rate(bench, prefix, events, endpoints, format=name))
    return {
        "formats_deliveries": events * endpoints,
        "formats_standard_per_s": max(runs["standard"]),
        "formats_slack_per_s": max(runs["slack"]),
    }


def _approve_ms(bench: Bench, approvals: int = 30) -> float:
    import statistics

    timings = []
    for _ in range(approvals):
        testimonial = bench.Testimonial.objects.get(pk=bench.testimonial().pk)
        started = time.perf_counter()
        testimonial.approve()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def widest_filter() -> dict[str, Any]:
    """A filter at SPEC §10's bounds that matches nothing, so every value is looked at:
    six ``$in`` lists of 28 long texts (194 values, about 15 KiB)."""
    texts = [f"never said {n:02d} " + "x" * 70 for n in range(28)]
    return {"$or": [{"testimonial": {"content": {"$in": texts}}} for _ in range(6)]}


def filter_cost(bench: Bench) -> dict[str, Any]:
    """approve() with 100 endpoints whose filters are as large as the model accepts,
    beside the same without filters, and with the one 2.4 MB filter (a $or of 7,000 $in
    lists, saved from the portal before the bounds) on a single endpoint."""
    from webhooks import event_filters
    from webhooks.models import WebhookEndpoint

    widest = widest_filter()
    event_filters.check(widest)
    results: dict[str, Any] = {}
    bench.drain()
    ids = bench.subscribe_only([f"/f{n}" for n in range(100)], filter={})
    results["approve_ms_100_unfiltered"] = _approve_ms(bench)
    WebhookEndpoint.objects.filter(pk__in=ids).update(filter=widest)
    results["approve_ms_100_widest_filters"] = _approve_ms(bench)
    huge = {
        "$or": [{"testimonial": {"rating": {"$in": [1, 2, 3, 4, 5] * 20}}} for _ in range(7000)]
    }
    ids = bench.subscribe_only(["/f-huge"], filter={})
    WebhookEndpoint.objects.filter(pk__in=ids).update(filter=huge)
    results["approve_ms_1_huge_filter"] = _approve_ms(bench, approvals=5)
    bench.subscribe_only(["/f-huge"], filter={})
    return results
