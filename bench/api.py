"""The HTTP API's figures: reading the delivery log at 100,000 deliveries, and the
queries a submission and its approval cost with 1 and with 100 endpoints.

Requests go through Django's whole stack (middleware, authentication, throttling,
serialisation) in this process, with the production settings of the run; the network
hop a client adds is not counted."""

from __future__ import annotations

import time
from typing import Any

from bench.harness import Bench
from bench.support import StatementCounter, percentile

FAILED_SHARE = 5  # one delivery in five has failed


def _log(deliveries: int, endpoints: int) -> None:
    """``deliveries`` rows across ``endpoints``, written in bulk (not sent)."""
    from django.db import transaction
    from django.utils import timezone

    from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

    targets = [
        WebhookEndpoint.objects.create(url=f"https://log{n}.example.com/", is_active=False)
        for n in range(endpoints)
    ]
    now = timezone.now()
    body = '{"type":"testimonial.approved","timestamp":"2026-11-27T00:00:00Z","data":{}}'
    for start in range(0, deliveries // endpoints, 2000):
        with transaction.atomic():
            events = WebhookEvent.objects.bulk_create(
                WebhookEvent(type="testimonial.approved", payload=body, created_at=now)
                for _ in range(min(2000, deliveries // endpoints - start))
            )
            WebhookDelivery.objects.bulk_create(
                WebhookDelivery(
                    event=event,
                    endpoint=endpoint,
                    status="failed" if (i + n) % FAILED_SHARE == 0 else "succeeded",
                    attempts=1,
                    created_at=now,
                )
                for i, event in enumerate(events)
                for n, endpoint in enumerate(targets)
            )


def _client(scopes: list[str]) -> Any:
    from django.test import Client

    from http_api.models import ApiKey

    _, raw_key = ApiKey.create(f"bench-{time.monotonic_ns()}", scopes)

    class HttpsClient(Client):
        # https, or the production settings of the run redirect every request.
        def generic(self, *args: Any, **kwargs: Any) -> Any:
            return super().generic(*args, **{**kwargs, "secure": True})

    return HttpsClient(HTTP_AUTHORIZATION=f"Bearer {raw_key}", HTTP_HOST="localhost")


def delivery_log(bench: Bench, deliveries: int, samples: int = 300) -> dict[str, Any]:
    from django.test.utils import override_settings

    from webhooks.models import WebhookDelivery

    _log(deliveries, endpoints=10)
    client = _client(["webhooks:read"])
    first = "/api/v1/deliveries/?status=failed"
    timings: list[float] = []
    url: str | None = first
    # Page after page through the failed deliveries (the default 50 a page), starting
    # over at the end: the deep pages cost what the first one does.
    with override_settings(API_KEY_RATE="100000/minute"):
        for n in range(samples + 20):
            started = time.perf_counter()
            answer = client.get(url or first)
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 200:
                raise RuntimeError(f"{url}: {answer.status_code} {answer.content[:500]!r}")
            url = answer.json()["next"]
            if n >= 20:  # after warming up
                timings.append(elapsed)
    return {
        "api_log_deliveries": WebhookDelivery.objects.count(),
        "api_failed_p50_ms": percentile(timings, 0.5),
        "api_failed_p99_ms": percentile(timings, 0.99),
    }


def submit_and_approve_queries(bench: Bench) -> dict[str, Any]:
    from django.db import connection

    client = _client(["testimonials:write", "testimonials:moderate"])
    body = {"author_name": "Bench", "content": "A benchmark testimonial, long enough.", "rating": 5}
    client.post("/api/v1/testimonials/", body, content_type="application/json")
    results: dict[str, Any] = {}
    for subscribed in (1, 100):
        bench.subscribe_only([f"/api{n}" for n in range(subscribed)])
        counted = StatementCounter()
        with connection.execute_wrapper(counted):
            created = client.post("/api/v1/testimonials/", body, content_type="application/json")
            client.post(f"/api/v1/testimonials/{created.json()['id']}/approve/")
        results[f"api_submit_approve_queries_{subscribed}"] = counted.queries
    # A client retrying safely: both requests under an Idempotency-Key (100 endpoints).
    counted = StatementCounter()
    with connection.execute_wrapper(counted):
        created = client.post(
            "/api/v1/testimonials/", body, content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"submit-{time.monotonic_ns()}",
        )  # fmt: skip
        client.post(
            f"/api/v1/testimonials/{created.json()['id']}/approve/",
            HTTP_IDEMPOTENCY_KEY=f"approve-{time.monotonic_ns()}",
        )
    results["api_submit_approve_queries_keyed"] = counted.queries
    bench.subscribe_only([])
    return results
