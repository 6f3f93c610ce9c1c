"""Sending deliveries again on a fresh retry schedule: what ``replay_webhooks`` and the
admin's "replay selected" do.

A replayed delivery keeps its event, so the same ``webhook-id`` and body (and format,
fixed when it was made), and its attempt log; its retry schedule starts again as the
endpoint's schedule is now. The dispatcher signs it anew (new timestamp, current
secrets) when it sends. That is the default because Standard Webhooks receivers
deduplicate on ``webhook-id``: a replay of something they never processed is taken, one
they did process is safely ignored.
``as_new`` is for the second case, when the receiver must process it again.
Deliveries to a disabled endpoint are never replayed: they would only wait.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from webhooks import formats
from webhooks.chunking import chunked
from webhooks.delivery_log.selection import Selection
from webhooks.exceptions import EndpointDisabled
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.publishing.outbox import wake_dispatchers_after_commit
from webhooks.text import counted


@dataclass(frozen=True)
class Candidate:
    """A delivery as a replay lists it."""

    id: int
    event_id: uuid.UUID
    event_type: str
    endpoint_id: int
    endpoint: str
    status: str
    attempts: int
    created_at: datetime

    def describe(self) -> str:
        return (
            f"#{self.id} {self.event_type} → endpoint #{self.endpoint_id} {self.endpoint} "
            f"[{self.status}, {counted(self.attempts, 'attempt')}, "
            f"{self.created_at:%Y-%m-%d %H:%M:%S}] "
            f"webhook-id {self.event_id}"
        )


@dataclass
class Plan:
    candidates: list[Candidate]
    # Deliveries left out because their endpoint is disabled: one error per endpoint.
    refused: list[tuple[EndpointDisabled, int]]

    def refusal(self, selection: Selection) -> str | None:
        """Why the replay of ``selection`` must not go ahead, if it must not."""
        if self.refused and selection.names_targets:
            return "; ".join(str(error) for error, _ in self.refused)
        return None


def candidates(deliveries: QuerySet[WebhookDelivery], limit: int | None = None) -> list[Candidate]:
    """``deliveries`` as a replay or a cancel lists them, oldest first."""
    ordered = deliveries.select_related("event", "endpoint").order_by("created_at", "id")
    if limit is not None:
        ordered = ordered[:limit]
    return [
        Candidate(
            id=d.pk,
            event_id=d.event_id,
            event_type=d.event.type,
            endpoint_id=d.endpoint_id,
            endpoint=str(d.endpoint),
            status=d.status,
            attempts=d.attempts,
            created_at=d.created_at,
        )
        # Only the columns a listing needs: the secrets stay encrypted and unread.
        for d in ordered.only(
            "id",
            "status",
            "attempts",
            "created_at",
            "event__type",
            "endpoint__url",
            "endpoint__description",
        )
    ]


def plan(deliveries: QuerySet[WebhookDelivery], limit: int | None = None) -> Plan:
    """What a replay of ``deliveries`` would do, oldest first, changing nothing."""
    listed = candidates(deliveries.filter(endpoint__is_active=True), limit)
    disabled = dict(
        deliveries.filter(endpoint__is_active=False)
        .values_list("endpoint_id")
        .annotate(count=Count("id"))
        .order_by("endpoint_id")
    )
    endpoints = WebhookEndpoint.objects.only(
        "id", "url", "description", "is_active", "disabled_reason"
    ).in_bulk(list(disabled))
    refused = [
        (EndpointDisabled(pk, str(endpoints[pk]), endpoints[pk].disabled_reason), count)
        for pk, count in disabled.items()
    ]
    return Plan(listed, refused)


def replay(
    ids: Sequence[int],
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    *,
    as_new: bool = False,
) -> int:
    """Re-queue the deliveries ``ids`` (of active endpoints) as due now, with their retry
    schedule restarted; ``as_new``: as new deliveries of a copy of their event, under a
    new ``webhook-id`` (the originals stay as they are). One short transaction per chunk,
    so a large replay never holds the database's write lock for long. Returns how many
    were queued."""
    now = now or timezone.now()
    done = 0
    for chunk in chunked(ids):
        with transaction.atomic():
            done += _as_new(chunk, now) if as_new else _again(chunk, now)
            wake_dispatchers_after_commit()
        if progress is not None:
            progress(done)
    return done


def _again(ids: Sequence[int], now: datetime) -> int:
    # The same body (fixed when the delivery was made), on a fresh schedule: the one the
    # endpoint has now, as for a delivery starting today.
    endpoint_schedule = WebhookEndpoint.objects.filter(pk=OuterRef("endpoint_id"))
    return WebhookDelivery.objects.filter(id__in=ids, endpoint__is_active=True).update(
        status=DeliveryStatus.PENDING,
        schedule_position=0,
        next_attempt_at=now,
        retry_schedule=Subquery(endpoint_schedule.values("retry_schedule")[:1]),
        updated_at=now,
    )


def _as_new(ids: Sequence[int], now: datetime) -> int:
    """For receivers that already processed the original and deduplicate on its
    ``webhook-id`` (Standard Webhooks), yet need it again: the same event in the same
    format, under a new id (which a CloudEvents body carries too)."""
    rows = WebhookDelivery.objects.filter(id__in=ids, endpoint__is_active=True).values_list(
        "event_id", "endpoint_id", "format", "endpoint__retry_schedule"
    )
    deliveries_of: dict[uuid.UUID, list[tuple[int, str, str]]] = defaultdict(list)
    for event_id, endpoint_id, format_name, schedule in rows:
        deliveries_of[event_id].append((endpoint_id, format_name, schedule))
    originals = WebhookEvent.objects.only("type", "payload").in_bulk(list(deliveries_of))
    copies = WebhookEvent.objects.bulk_create(
        WebhookEvent(type=originals[pk].type, payload=originals[pk].payload, created_at=now)
        for pk in deliveries_of
    )
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            event=copy,
            endpoint_id=endpoint_id,
            format=format_name,
            body=_body(copy, format_name),
            retry_schedule=schedule,
            next_attempt_at=now,
            created_at=now,
        )
        for pk, copy in zip(deliveries_of, copies, strict=True)
        for endpoint_id, format_name, schedule in deliveries_of[pk]
    )
    return sum(len(deliveries) for deliveries in deliveries_of.values())


def _body(event: WebhookEvent, format_name: str) -> str | None:
    return formats.stored_body(format_name, event.payload, event.webhook_id)
