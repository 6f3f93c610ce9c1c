"""Recording counts every stored try into its endpoint's hour (EndpointHour), which the
overview, the endpoint list and the portal read instead of the delivery log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from pytest_django import Settings

from tests.support.factories import make_delivery, make_endpoint, make_outcome
from webhooks.metrics.instruments import DURATION_BUCKETS
from webhooks.models import LATENCY_BOUNDS_MS, EndpointHour, WebhookEndpoint
from webhooks.sending import recording, settling

pytestmark = pytest.mark.django_db


def test_the_hours_use_the_metrics_buckets() -> None:
    assert [round(b * 1000) for b in DURATION_BUCKETS] == list(LATENCY_BOUNDS_MS)


def test_each_round_adds_its_tries_to_their_hours(settings: Settings) -> None:
    settings.WEBHOOKS_RETRY_SCHEDULE = "5s"
    endpoint, other = make_endpoint(), make_endpoint()
    now = timezone.now()
    last_hour = now - timedelta(hours=1)

    def tried(
        status: int, ms: int, started_at: datetime, target: WebhookEndpoint = endpoint
    ) -> settling.Finished:
        delivery = make_delivery(target, status="pending")
        outcome = make_outcome(delivery, status)
        outcome.duration_ms, outcome.started_at = ms, started_at
        return settling.finish(outcome)

    recording.record([tried(200, 30, now), tried(500, 600, now)], [], now)
    recording.record([tried(200, 4, now), tried(200, 20, last_hour, other)], [], now)

    hour = now.replace(minute=0, second=0, microsecond=0)
    row = EndpointHour.objects.get(endpoint=endpoint, hour=hour)
    assert (row.tries, row.successes, row.delivered, row.undelivered) == (3, 2, 2, 0)
    assert (row.le_5, row.le_50, row.le_500, row.le_1000, row.le_30000) == (1, 2, 2, 3, 3)
    earlier = EndpointHour.objects.get(endpoint=other)
    assert earlier.hour == last_hour.replace(minute=0, second=0, microsecond=0)
    assert earlier.tries == 1


def test_a_try_that_ends_a_delivery_counts_it_delivered_or_not(settings: Settings) -> None:
    settings.WEBHOOKS_RETRY_SCHEDULE = ""  # one try: a failure is final
    endpoint = make_endpoint()
    failed = make_delivery(endpoint, status="pending")
    gone = make_delivery(endpoint, status="pending")
    now = timezone.now()

    recording.record(
        [
            settling.finish(make_outcome(failed, 500)),
            settling.finish(make_outcome(gone, 410)),
        ],
        [],
        now,
    )

    (row,) = EndpointHour.objects.filter(endpoint=endpoint)
    assert (row.tries, row.successes, row.delivered, row.undelivered) == (2, 0, 0, 2)
