"""Sending deliveries again on a fresh retry schedule: what ``replay_webhooks`` and the
admin's "replay selected" do.

A replayed delivery keeps its event, so the same ``webhook-id`` and body, and its attempt
log; the dispatcher signs it anew (new timestamp, current secrets) when it sends.
Deliveries to a disabled endpoint are never replayed: they would only wait.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from webhooks.chunking import chunked
from webhooks.delivery_log.selection import Selection
from webhooks.exceptions import EndpointDisabled
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
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


def plan(deliveries: QuerySet[WebhookDelivery], limit: int | None = None) -> Plan:
    """What a replay of ``deliveries`` would do, oldest first, changing nothing."""
    replayable = (
        deliveries.filter(endpoint__is_active=True)
        .select_related("event", "endpoint")
        .order_by("created_at", "id")
    )
    if limit is not None:
        replayable = replayable[:limit]
    candidates = [
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
        for d in replayable.only(
            "id",
            "status",
            "attempts",
            "created_at",
            "event__type",
            "endpoint__url",
            "endpoint__description",
        )
    ]
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
    return Plan(candidates, refused)


def replay(
    ids: Sequence[int],
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> int:
    """Re-queue the deliveries ``ids`` (of active endpoints) as due now, with their retry
    schedule restarted. One short transaction per chunk, so a large replay never holds
    the database's write lock for long. Returns how many were re-queued."""
    now = now or timezone.now()
    done = 0
    for chunk in chunked(ids):
        with transaction.atomic():
            done += WebhookDelivery.objects.filter(id__in=chunk, endpoint__is_active=True).update(
                status=DeliveryStatus.PENDING,
                schedule_position=0,
                next_attempt_at=now,
                updated_at=now,
            )
            wake_dispatchers_after_commit()
        if progress is not None:
            progress(done)
    return done
