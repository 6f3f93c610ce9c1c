"""Keeping the delivery log bounded: old finished deliveries go, with their attempts, and
so do old events that no delivery refers to any more. Pending deliveries never go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from webhooks.models import DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookEvent

# Rows per delete: short transactions, so the dispatchers and the web keep writing.
_BATCH = 500


@dataclass
class Pruned:
    deliveries: int = 0
    attempts: int = 0
    events: int = 0


def prunable_deliveries(before: datetime, include_failed: bool) -> QuerySet[WebhookDelivery]:
    statuses = [DeliveryStatus.SUCCEEDED]
    if include_failed:
        statuses.append(DeliveryStatus.FAILED)
    return WebhookDelivery.objects.filter(status__in=statuses, created_at__lt=before)


def prunable_events(before: datetime) -> QuerySet[WebhookEvent]:
    return WebhookEvent.objects.filter(created_at__lt=before, deliveries__isnull=True)


def count(before: datetime, include_failed: bool = False) -> Pruned:
    """What ``prune`` would delete, deleting nothing. Events are counted as they would be
    after the deliveries are gone."""
    deliveries = prunable_deliveries(before, include_failed)
    kept = WebhookDelivery.objects.exclude(pk__in=deliveries.values("pk"))
    events = WebhookEvent.objects.filter(created_at__lt=before).exclude(
        pk__in=kept.values("event_id")
    )
    return Pruned(
        deliveries=deliveries.count(),
        attempts=DeliveryAttempt.objects.filter(delivery__in=deliveries.values("pk")).count(),
        events=events.count(),
    )


def prune(before: datetime, include_failed: bool = False) -> Pruned:
    pruned = Pruned()
    label = DeliveryAttempt._meta.label
    deliveries = prunable_deliveries(before, include_failed)
    while ids := list(deliveries.values_list("pk", flat=True)[:_BATCH]):
        with transaction.atomic():
            # The delivery's own conditions again, and its attempts cascade in the same
            # statement group: a delivery replayed meanwhile keeps its whole log.
            _, by_model = deliveries.filter(pk__in=ids).delete()
        pruned.attempts += by_model.get(label, 0)
        deleted = by_model.get(WebhookDelivery._meta.label, 0)
        pruned.deliveries += deleted
        if not deleted:
            break
    events = prunable_events(before)
    while event_ids := list(events.values_list("pk", flat=True)[:_BATCH]):
        deleted, _ = events.filter(pk__in=event_ids).delete()
        pruned.events += deleted
        if not deleted:
            break
    return pruned
