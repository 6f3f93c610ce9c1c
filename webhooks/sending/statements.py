"""The two queries a dispatcher runs many times a second, written as SQL.

Turning a queryset into SQL is most of what a small query costs in Python: the claim
round's look for endpoints waiting to be claimed, and the read of an endpoint's next
deliveries, were each a sixth of a busy dispatcher's time when compiled at every call
(docs/performance.md). So these two are SQL that SQLite and PostgreSQL both accept, run
through the connection's cursor. The querysets they stand for stay the definitions
(``claims.claimable``, ``upcoming.due_unordered``): tests check that both find the same
rows on both databases (tests/webhooks/sending/test_statements.py), and that the
databases read them off indexes (test_query_plans.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection

from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


@cache
def _waiting_sql(vendor: str) -> str:
    """``claims.claimable(now)``'s ids, longest unserved first."""
    endpoints, deliveries = _table(WebhookEndpoint), _table(WebhookDelivery)
    pending = (
        f"SELECT d.next_attempt_at FROM {deliveries} AS d WHERE d.endpoint_id = e.id "  # noqa: S608
        "AND d.next_attempt_at IS NOT NULL AND d.status = %s"
    )
    return (
        f"SELECT e.id FROM {endpoints} AS e WHERE e.is_active "  # noqa: S608
        "AND (e.claimed_until IS NULL OR e.claimed_until <= %s) "
        "AND (e.paused_until IS NULL OR e.paused_until <= %s) "
        # Each test on deliveries is the first row of an index: one probe per endpoint.
        f"AND ((NOT e.ordered AND ({pending} ORDER BY d.next_attempt_at LIMIT 1) <= %s) "
        f"OR (e.ordered AND ({pending} ORDER BY d.id LIMIT 1) <= %s)) "
        "ORDER BY e.last_served_at ASC NULLS FIRST, e.id LIMIT %s"
    )


def waiting_statement(now: datetime, limit: int) -> tuple[str, list[Any]]:
    """The SQL of ``waiting_endpoints`` and its parameters (for ``EXPLAIN``)."""
    at = connection.ops.adapt_datetimefield_value(now)
    pending = DeliveryStatus.PENDING.value
    return _waiting_sql(connection.vendor), [at, at, pending, at, pending, at, limit]


def waiting_endpoints(now: datetime, limit: int) -> list[int]:
    """The ids of up to ``limit`` endpoints ``claims.claimable(now)`` finds."""
    sql, params = waiting_statement(now, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


# The columns ``queue`` makes a try of, in this order.
DUE_COLUMNS = ("id", "schedule_position", "event_id", "payload", "format", "body", "retry_schedule")


@cache
def _due_sql(vendor: str) -> str:
    """``upcoming.due_unordered(now, endpoint_id)``: an unordered endpoint's due
    deliveries, oldest due first, with their event's payload."""
    deliveries, events = _table(WebhookDelivery), _table(WebhookEvent)
    return (
        "SELECT d.id, d.schedule_position, d.event_id, ev.payload, d.format, d.body, "  # noqa: S608
        f"d.retry_schedule FROM {deliveries} AS d INNER JOIN {events} AS ev "
        "ON d.event_id = ev.id WHERE d.endpoint_id = %s AND d.status = %s "
        "AND d.next_attempt_at <= %s ORDER BY d.next_attempt_at ASC, d.id ASC LIMIT %s"
    )


def due_statement(endpoint_id: int, now: datetime, limit: int) -> tuple[str, list[Any]]:
    """The SQL of ``due_deliveries`` and its parameters (for ``EXPLAIN``)."""
    at = connection.ops.adapt_datetimefield_value(now)
    return _due_sql(connection.vendor), [endpoint_id, DeliveryStatus.PENDING.value, at, limit]


def due_deliveries(endpoint_id: int, now: datetime, limit: int) -> list[tuple[Any, ...]]:
    """Up to ``limit`` rows of ``DUE_COLUMNS`` that ``upcoming.due_unordered(now,
    endpoint_id)`` finds; the event's id a ``UUID`` on either database (SQLite keeps its
    hex)."""
    sql, params = due_statement(endpoint_id, now, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(row[0], row[1], _uuid(row[2]), *row[3:]) for row in rows]


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
