"""A month of delivery log, written by the database itself (``INSERT … SELECT`` over a
series), so ten million deliveries take minutes, not hours: 50 endpoints of five
subscribers, ten deliveries per event, 95 % succeeded, 4 % failed (three attempts each),
1 % cancelled (never tried), spread evenly over the 30 days up to now, ids in the order
the events came (endpoints interleaved, as traffic makes them). Beside that history, the
same backlog at every size: 1,000 pending deliveries of the last hour, waiting for their
paused endpoints. The same shape at every size, so pages can be compared across sizes."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

ENDPOINTS = 50
SUBSCRIBERS = 5
PER_EVENT = 10
DAYS = 30
BACKLOG_EVENTS = 100  # x PER_EVENT pending deliveries
PAYLOAD = (
    '{"type":"testimonial.approved","timestamp":"2026-11-27T00:00:00.000000Z","data":'
    '{"testimonial":{"id":1,"slug":"great-service-1","status":"approved","rating":5,'
    '"content":"They answered every question within the hour.","author_name":"Author 1",'
    '"author_email":"author1@example.com","company":"Acme","is_anonymous":false}}}'
)


def endpoints() -> list[int]:
    """The 50 endpoints (made once), ten to each of five subscribers."""
    from django.utils import timezone

    from webhooks.models import Subscriber, WebhookEndpoint

    existing = list(
        WebhookEndpoint.objects.filter(url__startswith="https://seed").values_list("id", flat=True)
    )
    if existing:
        return existing
    made = []
    for s in range(SUBSCRIBERS):
        subscriber = Subscriber.objects.create(name=f"Seed team {s}", max_endpoints=20)
        for n in range(ENDPOINTS // SUBSCRIBERS):
            endpoint = WebhookEndpoint.objects.create(
                url=f"https://seed{s}-{n}.example.com/in", subscriber=subscriber
            )
            made.append(endpoint.pk)
    # Nothing is sent while the pages are measured.
    WebhookEndpoint.objects.filter(pk__in=made).update(
        paused_until=timezone.now() + timedelta(days=365)
    )
    return made


def clear() -> None:
    from django.db import connection

    from webhooks import models

    # EndpointHour is new with issue 38: the same seed runs on the code before it.
    names = ("EndpointHour", "DeliveryAttempt", "WebhookDelivery", "WebhookEvent")
    tables = [getattr(models, n)._meta.db_table for n in names if hasattr(models, n)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def seed(deliveries: int) -> dict[str, Any]:
    """Replaces the log with ``deliveries`` deliveries; how long each step took."""
    from django.db import connection, transaction

    ids = endpoints()
    clear()
    events = deliveries // PER_EVENT
    postgresql = connection.vendor == "postgresql"
    statements = (_postgresql if postgresql else _sqlite)(events, ids)
    from webhooks import models

    if hasattr(models, "EndpointHour"):
        hour = "date_trunc('hour', a.started_at)" if postgresql else _SQLITE_HOUR
        statements.append(_hours(hour))
    took: dict[str, Any] = {}
    statements.append(("backlog", "", None))
    if postgresql and _partitioned():
        statements[1:3] = [("days", "", None)]
    for name, sql, params in statements:
        if name == "days":
            started = time.monotonic()
            _by_day(ids, events)
            took["seed_days_s"] = round(time.monotonic() - started, 1)
            continue
        if name == "backlog":
            _backlog(ids)
            continue
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
        took[f"seed_{name}_s"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    took["seed_analyze_s"] = round(time.monotonic() - started, 1)
    return took


def _partitioned() -> bool:
    try:
        from webhooks.delivery_log import partitions
    except ImportError:  # the code before issue 38's partitions
        return False
    return partitions.partitioned()


def _by_day(ids: list[int], events: int) -> None:
    """Deliveries and their attempts a day at a time, each day in its own partition,
    as the retention task's daily roll leaves them."""
    from django.db import connection, transaction

    from webhooks.delivery_log import partitions

    _, deliveries, attempts = _postgresql(events, ids)
    # With parameters, a % of the SQL is written %%.
    numbered = (
        deliveries[1]
        .replace("%", "%%")
        .replace(
            "(SELECT id, created_at, row_number() OVER (ORDER BY created_at) - 1 AS n\n"
            "                  FROM webhooks_webhookevent)",
            "(SELECT * FROM seed_numbered WHERE created_at >= %s AND created_at < %s)",
        )
    )
    if "seed_numbered" not in numbered:
        raise RuntimeError("the deliveries' statement changed: _by_day no longer fits it")
    mine = attempts[1].replace("%", "%%").replace("ORDER BY d.id", "WHERE d.id >= %s ORDER BY d.id")
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(created_at), max(created_at) FROM webhooks_webhookevent")
        start, end = cursor.fetchone()
        # The events' places, numbered once: the day's statements read a day of them.
        cursor.execute(
            "CREATE TEMPORARY TABLE seed_numbered AS SELECT id, created_at, "
            "row_number() OVER (ORDER BY created_at) - 1 AS n FROM webhooks_webhookevent"
        )
        cursor.execute("CREATE INDEX ON seed_numbered (created_at)")
        cursor.execute("ANALYZE seed_numbered")
    for day in range(DAYS + 1):
        partition = partitions.start_next()
        if partition is None:
            raise RuntimeError("the seed's tables are busy")
        since, until = start + timedelta(days=day), start + timedelta(days=day + 1)
        if since > end:
            break
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(numbered, [since, until])
            cursor.execute(mine, [partition.lower])
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE seed_numbered")


def _backlog(ids: list[int]) -> None:
    """The pending deliveries of the last hour: the same number at every size."""
    from django.utils import timezone

    from webhooks.models import WebhookDelivery, WebhookEvent

    now = timezone.now()
    events = WebhookEvent.objects.bulk_create(
        WebhookEvent(
            type="testimonial.approved", payload=PAYLOAD, created_at=now - timedelta(minutes=n)
        )
        for n in range(BACKLOG_EVENTS)
    )
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            event=event,
            endpoint_id=ids[(n * PER_EVENT + k) % len(ids)],
            next_attempt_at=now,
            created_at=event.created_at,
        )
        for n, event in enumerate(events)
        for k in range(PER_EVENT)
    )


# Which status a delivery gets: a hash of its place, 95 / 4 / 1 in a hundred.
_SLOT = "((e.n * 7919 + k.k * 104729) % 100)"
_STATUS = (
    f"CASE WHEN {_SLOT} < 95 THEN 'succeeded' WHEN {_SLOT} < 99 THEN 'failed' ELSE 'cancelled' END"
)
_TRIES = f"CASE WHEN {_SLOT} < 95 THEN 1 WHEN {_SLOT} < 99 THEN 3 ELSE 0 END"
_CODE = f"CASE WHEN {_SLOT} < 95 THEN 200 WHEN {_SLOT} < 99 THEN 500 END"
_ERROR = (
    f"CASE WHEN {_SLOT} >= 95 AND {_SLOT} < 99 THEN 'HTTP 500 Internal Server Error' ELSE '' END"
)


Statement = tuple[str, str, list[Any] | None]


def _postgresql(events: int, ids: list[int]) -> list[Statement]:
    endpoint_array = "ARRAY[" + ",".join(map(str, sorted(ids))) + "]"
    return [
        (
            "events",
            """
            INSERT INTO webhooks_webhookevent (id, type, payload, created_at)
            SELECT gen_random_uuid(), 'testimonial.approved', %s,
                   now() - interval '30 days' + (n * (interval '30 days' / %s))
            FROM generate_series(0, %s - 1) AS n
            """,
            [PAYLOAD, events, events],
        ),
        (
            "deliveries",
            f"""
            INSERT INTO webhooks_webhookdelivery (event_id, endpoint_id, status, attempts,
                schedule_position, next_attempt_at, last_status_code, last_error, format,
                body, retry_schedule, created_at, updated_at)
            SELECT e.id, ({endpoint_array})[1 + (e.n * {PER_EVENT} + k.k) % {len(ids)}],
                   {_STATUS}, {_TRIES}, {_TRIES}, NULL, {_CODE}, {_ERROR},
                   'standard', NULL, '', e.created_at, e.created_at + interval '1 second'
            FROM (SELECT id, created_at, row_number() OVER (ORDER BY created_at) - 1 AS n
                  FROM webhooks_webhookevent) AS e
            CROSS JOIN generate_series(0, {PER_EVENT} - 1) AS k(k)
            ORDER BY e.n, k.k
            """,
            None,
        ),
        (
            "attempts",
            """
            INSERT INTO webhooks_deliveryattempt (delivery_id, number, started_at,
                duration_ms, request_headers, status_code, response_body, error)
            SELECT d.id, a.number, d.created_at + a.number * interval '1 second',
                   20 + (d.id % 180), '{}'::jsonb, d.last_status_code,
                   CASE WHEN d.last_status_code = 200 THEN 'ok' ELSE 'down' END, d.last_error
            FROM webhooks_webhookdelivery AS d
            CROSS JOIN LATERAL generate_series(1, d.attempts) AS a(number)
            ORDER BY d.id, a.number
            """,
            None,
        ),
    ]


_SQLITE_HOUR = "strftime('%Y-%m-%d %H:00:00', a.started_at)"


def _hours(hour: str) -> Statement:
    """The month's tries counted into endpoint hours, as recording counts them."""
    from webhooks.models import LATENCY_BOUNDS_MS  # type: ignore[attr-defined,unused-ignore]

    buckets = ", ".join(f"le_{b}" for b in LATENCY_BOUNDS_MS)
    sums = ", ".join(
        f"SUM(CASE WHEN a.duration_ms <= {b} THEN 1 ELSE 0 END)" for b in LATENCY_BOUNDS_MS
    )
    last = "a.number = d.attempts"
    return (
        "hours",
        f"""
        INSERT INTO webhooks_endpointhour (endpoint_id, hour, tries, successes, delivered,
            undelivered, {buckets})
        SELECT d.endpoint_id, {hour}, COUNT(*),
               SUM(CASE WHEN a.status_code BETWEEN 200 AND 299 THEN 1 ELSE 0 END),
               SUM(CASE WHEN {last} AND d.status = 'succeeded' THEN 1 ELSE 0 END),
               SUM(CASE WHEN {last} AND d.status = 'failed' THEN 1 ELSE 0 END),
               {sums}
        FROM webhooks_deliveryattempt AS a JOIN webhooks_webhookdelivery AS d
             ON d.id = a.delivery_id
        GROUP BY d.endpoint_id, {hour}
        """,
        None,
    )


def _sqlite(events: int, ids: list[int]) -> list[Statement]:
    # Django keeps SQLite datetimes as UTC text, and UUIDs as 32 hex digits.
    step = DAYS * 86400 / max(events, 1)
    at = "strftime('%Y-%m-%d %H:%M:%f', 'now', '-30 days', printf('+%.6f seconds', {}))"
    endpoint_case = "CASE (e.n * {per} + k.k) % {count} {whens} END".format(
        per=PER_EVENT,
        count=len(ids),
        whens=" ".join(f"WHEN {i} THEN {pk}" for i, pk in enumerate(sorted(ids))),
    )
    return [
        (
            "events",
            f"""
            WITH RECURSIVE series(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM series
                                         WHERE n + 1 < %s)
            INSERT INTO webhooks_webhookevent (id, type, payload, created_at)
            SELECT lower(hex(randomblob(16))), 'testimonial.approved', %s,
                   {at.format(f"n * {step}")}
            FROM series
            """,
            [events, PAYLOAD],
        ),
        (
            "deliveries",
            f"""
            WITH RECURSIVE k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k
                                    WHERE k + 1 < {PER_EVENT})
            INSERT INTO webhooks_webhookdelivery (event_id, endpoint_id, status, attempts,
                schedule_position, next_attempt_at, last_status_code, last_error, format,
                body, retry_schedule, created_at, updated_at)
            SELECT e.id, {endpoint_case}, {_STATUS}, {_TRIES}, {_TRIES}, NULL, {_CODE},
                   {_ERROR}, 'standard', NULL, '', e.created_at, e.created_at
            FROM (SELECT id, created_at, row_number() OVER (ORDER BY created_at) - 1 AS n
                  FROM webhooks_webhookevent) AS e
            CROSS JOIN k
            ORDER BY e.n, k.k
            """,
            None,
        ),
        (
            "attempts",
            """
            WITH RECURSIVE a(number) AS (SELECT 1 UNION ALL SELECT number + 1 FROM a
                                         WHERE number < 3)
            INSERT INTO webhooks_deliveryattempt (delivery_id, number, started_at,
                duration_ms, request_headers, status_code, response_body, error)
            SELECT d.id, a.number, d.created_at, 20 + (d.id % 180), '{}', d.last_status_code,
                   CASE WHEN d.last_status_code = 200 THEN 'ok' ELSE 'down' END, d.last_error
            FROM webhooks_webhookdelivery AS d JOIN a ON a.number <= d.attempts
            """,
            None,
        ),
    ]
