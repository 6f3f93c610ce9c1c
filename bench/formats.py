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
