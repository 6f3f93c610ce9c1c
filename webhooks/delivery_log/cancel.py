"""Withdrawing pending deliveries before they are sent (``cancel_webhooks``, the admin's
*Cancel*, ``POST /api/v1/deliveries/cancel/``): after a mistake, such as an import that
should have been muted. A cancelled delivery stays in the log and can be replayed.

The selection is replay's (``webhooks.delivery_log.selection``), narrowed to pending
deliveries: only those can still be withdrawn. A delivery whose try is in flight when it
is cancelled is not tried again (the recording keeps it cancelled, with its attempt)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from webhooks.chunking import chunked
from webhooks.models import DeliveryStatus, WebhookDelivery


def cancel(ids: Sequence[int], now: datetime | None = None) -> int:
    """Cancels those of ``ids`` still pending; returns how many. One short transaction
    per chunk, as replay does."""
    now = now or timezone.now()
    done = 0
    for chunk in chunked(ids):
        with transaction.atomic():
            done += WebhookDelivery.objects.filter(
                id__in=chunk, status=DeliveryStatus.PENDING
            ).update(status=DeliveryStatus.CANCELLED, next_attempt_at=None, updated_at=now)
    return done
