"""Each stored try counted into its endpoint's hour (``EndpointHour``), in the recording
transaction: one ``INSERT … ON CONFLICT DO UPDATE`` per round adds the round's counts to
the rows (PostgreSQL and SQLite ≥ 3.24 read it alike). The overview, the endpoint list
and the portal read health from these rows, not from the growing delivery log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from webhooks.models import LATENCY_BOUNDS_MS, LATENCY_COLUMNS, DeliveryStatus, EndpointHour
from webhooks.sending.settling import Finished

COLUMNS = ("tries", "successes", "delivered", "undelivered", *LATENCY_COLUMNS)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def count_hours(finished: Sequence[Finished]) -> None:
    """Adds ``finished`` (stored this round) to their endpoints' hours."""
    counts: dict[tuple[int, datetime], list[int]] = {}
    for result in finished:
        outcome, settled = result.outcome, result.settlement.status
        key = (result.endpoint_id, hour_of(outcome.started_at))
        row = counts.setdefault(key, [0] * len(COLUMNS))
        row[0] += 1
        row[1] += outcome.succeeded
        row[2] += settled == DeliveryStatus.SUCCEEDED
        row[3] += settled == DeliveryStatus.FAILED
        for n, bound in enumerate(LATENCY_BOUNDS_MS, start=4):
            row[n] += outcome.duration_ms <= bound
    if counts:
        _add(counts)


def _add(counts: dict[tuple[int, datetime], list[int]]) -> None:
    quote = connection.ops.quote_name
    table = quote(EndpointHour._meta.db_table)
    names = ", ".join(quote(c) for c in ("endpoint_id", "hour", *COLUMNS))
    row = "(" + ", ".join(["%s"] * (2 + len(COLUMNS))) + ")"
    sums = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in COLUMNS)
    params: list[Any] = []
    # In key order: two rounds adding to the same rows lock them in the same order.
    for (endpoint_id, hour), values in sorted(counts.items()):
        params += [endpoint_id, connection.ops.adapt_datetimefield_value(hour), *values]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * len(counts))} "  # noqa: S608
            f"ON CONFLICT ({quote('endpoint_id')}, {quote('hour')}) DO UPDATE SET {sums}",
            params,
        )
