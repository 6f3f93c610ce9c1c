"""Recording events for delivery, inside the transaction of the change that caused them.

Three queries whatever the number of endpoints: read the active endpoints, insert the
event, insert every delivery (``delivery_rows``: one statement per format among them).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from functools import cache, partial
from typing import Any

from django.db import transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from webhooks import event_filters
from webhooks.conf import conf
from webhooks.event_types.registry import subscribed
from webhooks.metrics import instruments
from webhooks.models import WebhookEndpoint, WebhookEvent
from webhooks.publishing import delivery_rows, payloads
from webhooks.publishing.delivery_rows import Recipient

logger = logging.getLogger(__name__)


def subscribers(event_type: str, about_endpoint: int | None = None) -> list[Recipient]:
    """Every active endpoint subscribed to ``event_type``: by naming it,
    or by naming no type at all, which means every type but the operational ones.

    An event ``about_endpoint`` (the operational ones) goes only to endpoints of that
    endpoint's subscriber and to the operator's own (SPEC §11): a subscriber never
    learns of another's endpoints."""
    active = WebhookEndpoint.objects.filter(is_active=True)
    if about_endpoint is not None:
        owner = WebhookEndpoint.objects.filter(pk=about_endpoint).values("subscriber_id")
        active = active.filter(Q(subscriber__isnull=True) | Q(subscriber_id=Subquery(owner)))
    rows = active.values_list("id", "event_types", "filter", "format")
    return [
        Recipient(pk, spec, format_name)
        for pk, types, spec, format_name in rows
        if subscribed(types, event_type)
    ]


def publish(
    event_type: str,
    build_data: Callable[[], dict[str, Any]],
    endpoint_ids: Sequence[int] | None = None,
    about_endpoint: int | None = None,
) -> WebhookEvent | None:
    """Store the event and one pending delivery per endpoint (by default every active
    endpoint subscribed to ``event_type`` whose filter lets its data through; named
    ``endpoint_ids`` get it whatever their filter), then wake the dispatchers after
    commit. An event ``about_endpoint`` reaches only its subscriber's endpoints and the
    operator's. ``build_data`` runs only when someone may receive the event. Returns ``None``
    when nobody does, or when the payload is over WEBHOOKS_MAX_PAYLOAD_BYTES."""
    candidates = (
        subscribers(event_type, about_endpoint) if endpoint_ids is None else _named(endpoint_ids)
    )
    if not candidates:
        return None
    data = build_data()
    recipients = [
        candidate
        for candidate in candidates
        if event_filters.passes(candidate.filter, data, endpoint_id=candidate.id)
    ]
    if not recipients:
        return None
    now = timezone.now()
    body = payloads.encode(payloads.envelope(event_type, data, now))
    size = len(body.encode())
    if size > conf.max_payload_bytes:
        # Refusing here keeps the change itself (the caller's transaction) intact: the
        # event is lost, loudly, rather than the change that caused it.
        logger.error(
            "webhook event %s not recorded: its payload is %s bytes, over "
            "WEBHOOKS_MAX_PAYLOAD_BYTES (%s)",
            event_type,
            size,
            conf.max_payload_bytes,
        )
        return None
    # savepoint=False: inside the caller's transaction this adds no statements; alone,
    # it still makes the event and its deliveries one unit.
    with transaction.atomic(savepoint=False):
        event = WebhookEvent.objects.create(type=event_type, payload=body, created_at=now)
        delivery_rows.insert(event, recipients, now)
    transaction.on_commit(partial(instruments.count_event, event_type))
    wake_dispatchers_after_commit()
    return event


def _named(endpoint_ids: Sequence[int]) -> list[Recipient]:
    """Endpoints named by the caller get the event whatever their filter."""
    rows = WebhookEndpoint.objects.filter(pk__in=endpoint_ids).values_list("id", "format")
    return [Recipient(pk, None, format_name) for pk, format_name in rows]


@cache
def _broker() -> Any:
    # async_task() would build a new broker, and with it a new Redis connection pool,
    # on every call: keep one per process.
    from django_q.brokers import get_broker

    return get_broker()


def wake_dispatchers_after_commit() -> None:
    """New due work: tell the dispatchers once the transaction that made it commits."""
    transaction.on_commit(_wake_dispatchers, robust=True)


# When this process last woke the dispatchers (time.monotonic()).
_woken_at = 0.0


def _wake_dispatchers() -> None:
    # Only worth a message when the broker is faster than the dispatchers' own poll
    # of the outbox: Redis (BLPOP) is, the ORM broker (polling too) is not.
    from django_q.conf import Conf

    if Conf.ORM:
        return
    # At most one message per quarter poll interval from each process: a dispatcher
    # woken a moment ago is at work, and what it misses waits for the next message or at
    # worst its next poll. A message a commit was a task for the cluster to run and a
    # line in its log per event, and 4% of a web worker's time under 16 API writers.
    global _woken_at
    now = time.monotonic()
    if now - _woken_at < conf.poll_interval / 4:
        return
    _woken_at = now
    from django_q.tasks import async_task

    async_task("webhooks.tasks.wake", save=False, broker=_broker())
