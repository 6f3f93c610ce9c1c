"""What watching costs at 100,000 deliveries: a Prometheus scrape of ``/metrics`` (the
backlog gauges are read from the database each time) and the admin's overview page,
both through Django's whole stack in this process."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from bench.api import _log
from bench.harness import Bench
from bench.support import StatementCounter, percentile

PENDING = 5000  # due deliveries beside the log, so the gauges have a backlog to read


def _backlog(count: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

    endpoint = WebhookEndpoint.objects.create(url="https://late.example.com/")
    # Paused: the backlog is there to be measured, not sent.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        paused_until=timezone.now() + timedelta(days=1)
    )
    body = '{"type":"testimonial.approved","timestamp":"2026-11-27T00:00:00Z","data":{}}'
    with transaction.atomic():
        events = WebhookEvent.objects.bulk_create(
            WebhookEvent(type="testimonial.approved", payload=body) for _ in range(count)
        )
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=timezone.now())
            for event in events
        )


def _timed(client: Any, path: str, samples: int) -> tuple[list[float], int]:
    from django.db import connection

    timings: list[float] = []
    counted = StatementCounter()
    for n in range(samples + 5):
        started = time.perf_counter()
        if n == samples + 4:
            with connection.execute_wrapper(counted):
                answer = client.get(path)
        else:
            answer = client.get(path)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.content[:300]!r}")
        if n >= 5:
            timings.append((time.perf_counter() - started) * 1000)
    return timings, counted.queries


def _delivery_lists(admin: Any, samples: int) -> dict[str, Any]:
    """One endpoint's failed deliveries, newest first, read by its subscriber in the
    portal and by an operator in the admin, over the same log."""
    from django.test import Client

    from webhooks.access.delegation import Delegator
    from webhooks.models import Subscriber, WebhookEndpoint
    from webhooks.subscribers import links

    endpoint = WebhookEndpoint.objects.filter(url__startswith="https://log").order_by("id")[0]
    subscriber = Subscriber.objects.create(name="bench-portal")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(subscriber=subscriber)
    _, enter = links.create(subscriber, Delegator.command_line("bench"))
    portal = Client(HTTP_HOST="localhost")
    portal.post(portal.get(enter)["Location"])
    ours, ours_queries = _timed(
        portal, f"/portal/endpoints/{endpoint.pk}/deliveries/?status=failed", samples
    )
    theirs, theirs_queries = _timed(
        admin,
        f"/admin/webhooks/webhookdelivery/?endpoint__id__exact={endpoint.pk}&status__exact=failed",
        samples,
    )
    return {
        "portal_list_queries": ours_queries,
        "portal_list_p50_ms": percentile(ours, 0.5),
        "admin_list_queries": theirs_queries,
        "admin_list_p50_ms": percentile(theirs, 0.5),
    }


def watching_cost(bench: Bench, deliveries: int, samples: int = 30) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client
    from django.test.utils import override_settings

    from webhooks.models import WebhookDelivery

    if WebhookDelivery.objects.count() < deliveries:
        _log(deliveries, endpoints=10)
    _backlog(PENDING)
    admin = User.objects.create_superuser("bench-overview", password=None)
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    with override_settings(METRICS_TOKEN="bench", SECURE_SSL_REDIRECT=False):  # noqa: S106
        scrape, scrape_queries = _timed(
            Client(HTTP_AUTHORIZATION="Bearer bench"), "/metrics", samples
        )
    # No collectstatic in a bench run: the page's CSS links need no manifest here.
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(SECURE_SSL_REDIRECT=False, STORAGES=plain_static):
        page, page_queries = _timed(client, "/admin/webhooks/overview/", samples // 3)
        lists = _delivery_lists(client, samples // 3)
    return {
        **lists,
        "watch_deliveries": WebhookDelivery.objects.count(),
        "scrape_queries": scrape_queries,
        "scrape_p50_ms": percentile(scrape, 0.5),
        "scrape_p99_ms": percentile(scrape, 0.99),
        "overview_queries": page_queries,
        "overview_p50_ms": percentile(page, 0.5),
    }
