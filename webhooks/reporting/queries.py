"""The numbers behind the admin's overview, the endpoint list's health and the portal's:
the last 24 hours by the hour.

They are read from ``EndpointHour``, each endpoint's tries counted by the hour as they are
recorded (``webhooks.sending.tally``): at most 24 rows an endpoint, however large the log
and however busy the day, where grouping the day's attempts grew with both
(docs/performance.md). Deliveries are counted in the hour they succeeded or failed for
good; pending ones, which are few, by the hour they were made, off the status index.
Latency percentiles come from the per-hour histograms, with the buckets the metrics use.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, Count, IntegerField, QuerySet, Sum, Value, When

from webhooks import counting
from webhooks.delivery_log import backlog
from webhooks.models import (
    LATENCY_BOUNDS_MS,
    LATENCY_COLUMNS,
    DeliveryStatus,
    EndpointHour,
    WebhookDelivery,
    WebhookEndpoint,
)

HOURS = 24
MAX_ENDPOINTS = 50
BOUNDS_MS = list(LATENCY_BOUNDS_MS)


@dataclass(frozen=True)
class Hour:
    start: datetime
    succeeded: int
    failed: int
    pending: int
    p50_ms: float | None
    p95_ms: float | None

    @property
    def deliveries(self) -> int:
        return self.succeeded + self.failed + self.pending


@dataclass(frozen=True)
class EndpointHealth:
    endpoint: WebhookEndpoint
    attempts: int
    successes: int
    hourly_rates: list[float | None]  # success share per hour; None: no attempt

    @property
    def success_rate(self) -> float | None:
        return self.successes / self.attempts if self.attempts else None


@dataclass(frozen=True)
class Overview:
    now: datetime
    hours: list[Hour]
    p50_ms: float | None
    p95_ms: float | None
    backlog: backlog.Backlog
    endpoints: list[EndpointHealth]

    @property
    def totals(self) -> dict[str, int]:
        return {
            "succeeded": sum(h.succeeded for h in self.hours),
            "failed": sum(h.failed for h in self.hours),
            "pending": sum(h.pending for h in self.hours),
        }


def build(now: datetime) -> Overview:
    starts = hour_starts(now)
    counted = _counted_by_hour(starts)
    pending = _pending_by_hour(starts)
    hours = []
    for index, start in enumerate(starts):
        row = counted.get(start, {})
        cumulative = [row.get(column, 0) for column in LATENCY_COLUMNS] + [row.get("tries", 0)]
        hours.append(
            Hour(
                start=start,
                succeeded=row.get("delivered", 0),
                failed=row.get("undelivered", 0),
                pending=pending.get(index, 0),
                p50_ms=quantile(0.5, cumulative),
                p95_ms=quantile(0.95, cumulative),
            )
        )
    overall = [
        sum(row.get(column, 0) for row in counted.values())
        for column in (*LATENCY_COLUMNS, "tries")
    ]
    return Overview(
        now=now,
        hours=hours,
        p50_ms=quantile(0.5, overall),
        p95_ms=quantile(0.95, overall),
        backlog=backlog.snapshot(now, failed_up_to=counting.COUNT_CAP),
        endpoints=_endpoints(starts),
    )


def quantile(q: float, cumulative: list[int]) -> float | None:
    """The ``q`` quantile (ms) of a histogram given as cumulative counts per bound of
    BOUNDS_MS plus the total, interpolated inside the bucket as Prometheus does; beyond
    the last bound, the last bound."""
    total = cumulative[-1]
    if not total:
        return None
    rank = q * total
    lower_bound, lower_count = 0, 0
    for bound, count in zip(BOUNDS_MS, cumulative, strict=False):
        if count >= rank:
            inside = count - lower_count
            share = (rank - lower_count) / inside if inside else 1.0
            return lower_bound + (bound - lower_bound) * share
        lower_bound, lower_count = bound, count
    return float(BOUNDS_MS[-1])


def _hour(field: str, starts: list[datetime]) -> Case:
    """The index in ``starts`` of the hour a row's ``field`` falls in, computed by the
    database with plain comparisons: TruncHour is a Python function call per row on
    SQLite, which made the page take half a second at 100,000 deliveries a day."""
    later = [When(**{f"{field}__lt": start}, then=Value(n - 1)) for n, start in enumerate(starts)]
    return Case(*later[1:], default=Value(len(starts) - 1), output_field=IntegerField())


def _counted_by_hour(starts: list[datetime]) -> dict[datetime, dict[str, int]]:
    """Every endpoint's hours summed, by hour: at most 24 rows."""
    sums: dict[str, Any] = {
        column: Sum(column) for column in ("tries", "delivered", "undelivered", *LATENCY_COLUMNS)
    }
    rows: Any = EndpointHour.objects.filter(hour__gte=starts[0]).values("hour").annotate(**sums)
    return {row["hour"]: row for row in rows.order_by()}


def _pending_by_hour(starts: list[datetime]) -> dict[int, int]:
    """Pending deliveries by the hour they were made: read off the status index."""
    rows = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, created_at__gte=starts[0])
        .annotate(hour=_hour("created_at", starts))
        .values("hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["hour"]: row["n"] for row in rows}


def hour_starts(now: datetime) -> list[datetime]:
    """The starts of the HOURS hours up to ``now``, oldest first."""
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS - 1)
    return [first + timedelta(hours=n) for n in range(HOURS)]


def endpoint_health(
    starts: list[datetime], endpoints: QuerySet[WebhookEndpoint] | None = None
) -> dict[int, EndpointHealth]:
    """Each endpoint's tries over ``starts``, by hour, in two queries whatever their
    number: of ``endpoints`` only when given. Endpoints without a try are left out."""
    rows = EndpointHour.objects.filter(hour__gte=starts[0], tries__gt=0)
    if endpoints is not None:
        rows = rows.filter(endpoint__in=endpoints.values("pk"))
    index = {start: n for n, start in enumerate(starts)}
    by_endpoint: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for endpoint_id, hour, tries, successes in rows.values_list(
        "endpoint_id", "hour", "tries", "successes"
    ):
        if hour in index:
            by_endpoint[endpoint_id][index[hour]] = (tries, successes)
    found = WebhookEndpoint.objects.in_bulk(list(by_endpoint))
    health = {}
    for pk, hourly in by_endpoint.items():
        if pk not in found:
            continue
        rates = [hourly[n][1] / hourly[n][0] if n in hourly else None for n in range(len(starts))]
        health[pk] = EndpointHealth(
            endpoint=found[pk],
            attempts=sum(total for total, _ in hourly.values()),
            successes=sum(ok for _, ok in hourly.values()),
            hourly_rates=rates,
        )
    return health


def _endpoints(starts: list[datetime]) -> list[EndpointHealth]:
    found = list(endpoint_health(starts).values())
    # The receivers in trouble first: "which one is broken?" is why the page is opened.
    found.sort(key=lambda e: (e.success_rate if e.success_rate is not None else 1, e.endpoint.pk))
    return found[:MAX_ENDPOINTS]
