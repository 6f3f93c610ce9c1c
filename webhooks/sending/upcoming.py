"""Which deliveries of a claimed endpoint go next, read off its indexes.

Unordered endpoints: due deliveries, oldest due first, with first tries interleaved so
that a pile of due retries (a receiver back from an outage) cannot hold up new events:
at least every other delivery handed out is a first try while there are any.
Ordered endpoints: the pending deliveries in event order, as far as the first one that is
not due yet, which holds every delivery behind it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from itertools import chain, takewhile, zip_longest
from typing import Any

from django.db.models import QuerySet

from webhooks import formats
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.sending import statements
from webhooks.sending.attempt import Target
from webhooks.sending.claims import EndpointSnapshot
from webhooks.validation.tuning import stored_schedule

# Beyond this many deliveries in hand an endpoint has enough work; skip the read rather
# than send an ever longer NOT IN list.
MAX_EXCLUDED = 500


def next_deliveries(
    endpoint: EndpointSnapshot, limit: int, in_hand: Collection[int], now: datetime
) -> list[Target]:
    """Up to ``limit`` deliveries to send next, leaving out those ``in_hand``. One query
    while no retries are due (the usual case), three when first tries must be mixed in."""
    if limit <= 0 or len(in_hand) > MAX_EXCLUDED:
        return []
    if endpoint.ordered:
        # The chain in event order, up to the first delivery that is not due.
        pending = WebhookDelivery.objects.filter(
            endpoint_id=endpoint.id, status=DeliveryStatus.PENDING
        ).exclude(id__in=list(in_hand))
        rows = list(pending.order_by("id").values_list(*COLUMNS, "next_attempt_at")[:limit])
        chain = takewhile(lambda row: row[-1] is not None and row[-1] <= now, rows)
        return [_target(endpoint, row) for row in chain]
    due = due_unordered(now, endpoint.id).exclude(id__in=list(in_hand))
    if len(in_hand) <= limit:
        # The usual read, many times a second at a trickle: as SQL, the few in hand
        # left out here.
        fetched = statements.due_deliveries(endpoint.id, now, limit + len(in_hand))
        rows = [row for row in fetched if row[0] not in in_hand][:limit]
    else:
        rows = list(due.values_list(*COLUMNS)[:limit])
    if not any(row[POSITION] for row in rows):
        return [_target(endpoint, row) for row in rows]
    found = {row[0]: row for row in rows}
    first_tries = list(due.filter(schedule_position=0).values_list("id", flat=True)[:limit])
    missing = [pk for pk in first_tries if pk not in found]
    if missing:
        found.update((row[0], row) for row in due.filter(id__in=missing).values_list(*COLUMNS))
    order = _interleave(first_tries, [row[0] for row in rows])[:limit]
    return [_target(endpoint, found[pk]) for pk in order if pk in found]


# Plain rows, not model instances: this runs for every delivery sent.
COLUMNS = (
    "id",
    "schedule_position",
    "event_id",
    "event__payload",
    "format",
    "body",
    "retry_schedule",
)
POSITION = COLUMNS.index("schedule_position")


def due_unordered(now: datetime, endpoint_id: int) -> QuerySet[WebhookDelivery]:
    """An unordered endpoint's due deliveries, oldest due first."""
    pending = WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=DeliveryStatus.PENDING)
    return pending.filter(next_attempt_at__lte=now).order_by("next_attempt_at", "id")


def _interleave(first: list[int], second: list[int]) -> list[int]:
    merged = chain.from_iterable(zip_longest(first, second))
    return list(dict.fromkeys(pk for pk in merged if pk is not None))


def _target(endpoint: EndpointSnapshot, row: tuple[Any, ...]) -> Target:
    pk, schedule_position, event_id, payload, format_name, body, schedule = row[:7]
    webhook_id = str(event_id)
    return Target(
        delivery_id=pk,
        endpoint_id=endpoint.id,
        url=endpoint.url,
        secrets=endpoint.secrets,
        custom_headers=endpoint.headers,
        webhook_id=webhook_id,
        body=formats.sent_body(format_name, body, payload, webhook_id).encode(),
        content_type=formats.content_type(format_name),
        schedule_position=schedule_position,
        retry_schedule=stored_schedule(schedule),
        timeout=endpoint.timeout,
        refusal=endpoint.refusal,
    )
