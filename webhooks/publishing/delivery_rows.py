"""Writing an event's deliveries: one ``INSERT … SELECT`` per format among its endpoints
(nearly always one), whatever their number. ``bulk_create`` would split the rows into
several statements on SQLite (999 parameters per statement).

What a delivery will send is fixed here (SPEC §12): its format and body, rendered once per
format, and the endpoint's retry schedule, copied by the same statement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection

from webhooks import formats
from webhooks.chunking import chunked
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent


class Recipient(NamedTuple):
    """An endpoint an event may go to, as the outbox reads it."""

    id: int
    filter: Any
    format: str


def insert(event: WebhookEvent, recipients: Sequence[Recipient], now: datetime) -> None:
    by_format: dict[str, list[int]] = defaultdict(list)
    for recipient in recipients:
        by_format[recipient.format or formats.Format.STANDARD].append(recipient.id)
    for format_name, endpoint_ids in by_format.items():
        body = formats.stored_body(format_name, event.payload, event.webhook_id)
        for chunk in chunked(endpoint_ids):
            _insert(event, chunk, now, format_name, body)


_COLUMNS = [
    "event",
    "endpoint",
    "status",
    "attempts",
    "schedule_position",
    "next_attempt_at",
    "last_error",
    "format",
    "body",
    "retry_schedule",
    "created_at",
    "updated_at",
]


def _insert(
    event: WebhookEvent,
    endpoint_ids: Sequence[int],
    now: datetime,
    format_name: str,
    body: str | None,
) -> None:
    quote = connection.ops.quote_name
    fields = {f.name: f for f in WebhookDelivery._meta.concrete_fields}

    def column(name: str) -> str:
        return quote(str(fields[name].column))

    def db_value(name: str, value: Any) -> Any:
        return fields[name].get_db_prep_value(value, connection)

    delivery_table = quote(WebhookDelivery._meta.db_table)
    endpoint_table = quote(WebhookEndpoint._meta.db_table)
    schedule_column = str(WebhookEndpoint._meta.get_field("retry_schedule").column)
    schedule = f"{endpoint_table}.{quote(schedule_column)}"
    # Identifiers come from the models, quoted by the backend; values are parameters.
    sql = (
        f"INSERT INTO {delivery_table} ({', '.join(column(c) for c in _COLUMNS)}) "  # noqa: S608
        f"SELECT %s, {endpoint_table}.{quote('id')}, %s, 0, 0, %s, '', %s, %s, {schedule}, "
        f"%s, %s FROM {endpoint_table} WHERE {endpoint_table}.{quote('id')} "
        f"IN ({', '.join(['%s'] * len(endpoint_ids))})"
    )
    stamp = db_value("created_at", now)
    params = [
        db_value("event", event.pk),
        DeliveryStatus.PENDING.value,
        db_value("next_attempt_at", now),
        format_name,
        body,
        stamp,
        stamp,
        *endpoint_ids,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
