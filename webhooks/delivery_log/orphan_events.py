"""The events nothing refers to any more: older than the shortest retention and with
no delivery left, walked by ``(created_at, id)`` so no batch re-reads what an earlier
one deleted. Each batch checks again, as it deletes, that no delivery refers to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from webhooks.delivery_log.expiry import Pace, Pruned, marks
from webhooks.models import WebhookDelivery, WebhookEvent


def _orphans(cutoff: datetime) -> QuerySet[WebhookEvent]:
    referred = WebhookDelivery.objects.filter(event=OuterRef("pk"))
    return WebhookEvent.objects.filter(created_at__lt=cutoff).filter(~Exists(referred))


def delete(cutoff: datetime, pruned: Pruned, pace: Pace, size: int) -> bool:
    """Deletes the events older than ``cutoff`` that no delivery refers to, ``size`` a
    transaction, walking them by ``(created_at, id)``; False when the deadline stopped
    it."""
    orphans = _orphans(cutoff)
    id_field = WebhookEvent._meta.get_field("id")
    position: tuple[datetime, Any] | None = None
    while True:
        page = orphans
        if position is not None:
            at, pk = position
            page = page.filter(Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk))
        with pace.step():
            rows = list(page.order_by("created_at", "pk").values_list("created_at", "pk")[:size])
            if not rows:
                return True
            position = rows[-1]
            ids = [id_field.get_db_prep_value(pk, connection) for _, pk in rows]
            pruned.events += _delete_events(ids)
        if pace.out_of_time():
            return False


def _delete_events(ids: list[Any]) -> int:
    events = connection.ops.quote_name(WebhookEvent._meta.db_table)
    deliveries = connection.ops.quote_name(WebhookDelivery._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {events} WHERE id IN ({marks(ids)}) AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {deliveries} WHERE event_id = {events}.id)",
            ids,
        )
        return int(cursor.rowcount)
