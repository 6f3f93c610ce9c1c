"""Gauges about the backlog, read from the database when Prometheus scrapes: a fixed
number of queries whatever the size of the tables, each read off an index (the pending
and failed deliveries through ``delivery_due_idx`` and ``delivery_status_idx``; the
endpoints and workers are small tables).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from webhooks.delivery_log.backlog import due_now
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookWorker
from webhooks.sending.workers import ALIVE_WITHIN

ENDPOINT_STATES = ("active", "paused", "disabled")


class BacklogCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).aggregate(
            pending=Count("pk"),
            due=Count("pk", filter=due_now(now)),
            oldest_due=Min("next_attempt_at", filter=due_now(now)),
        )
        failed = WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count()
        paused = Q(paused_until__gt=now)
        endpoints = WebhookEndpoint.objects.aggregate(
            active=Count("pk", filter=Q(is_active=True) & ~paused),
            paused=Count("pk", filter=Q(is_active=True) & paused),
            disabled=Count("pk", filter=Q(is_active=False)),
        )
        workers = WebhookWorker.objects.filter(seen_at__gt=now - ALIVE_WITHIN).count()
        oldest = pending["oldest_due"]
        yield GaugeMetricFamily(
            "webhooks_deliveries_pending",
            "Deliveries not sent yet or waiting for a retry.",
            value=pending["pending"],
        )
        yield GaugeMetricFamily(
            "webhooks_deliveries_due",
            "Pending deliveries due now for endpoints that are on and not paused.",
            value=pending["due"],
        )
        yield GaugeMetricFamily(
            "webhooks_oldest_due_seconds",
            "How long the longest-waiting due delivery has waited (0: none due).",
            value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        )
        yield GaugeMetricFamily(
            "webhooks_deliveries_failed",
            "Deliveries that gave up and are kept for replay.",
            value=failed,
        )
        states = GaugeMetricFamily(
            "webhooks_endpoints",
            "Endpoints by state: active (sending), paused (the receiver asked to wait), disabled.",
            labels=["state"],
        )
        for state in ENDPOINT_STATES:
            states.add_metric([state], endpoints[state])
        yield states
        yield GaugeMetricFamily(
            "webhooks_workers",
            "Dispatchers (qcluster worker processes) seen in the last few seconds.",
            value=workers,
        )
