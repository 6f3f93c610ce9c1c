"""Which dispatchers are running: each beats every second, and a claim takes no more
than a fair share of the endpoints with work, so that every worker process sends and a
single one does not take everything it polls first."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from webhooks.models import WebhookWorker

# A dispatcher not seen for this long is taken for dead (it beats every second).
ALIVE_WITHIN = timedelta(seconds=3)
# Rows of dispatchers gone for this long are deleted.
FORGET_AFTER = timedelta(days=1)


def beat(name: str, now: datetime) -> None:
    if not WebhookWorker.objects.filter(name=name).update(seen_at=now):
        WebhookWorker.objects.create(name=name, started_at=now, seen_at=now)


def alive(now: datetime) -> int:
    return WebhookWorker.objects.filter(seen_at__gt=now - ALIVE_WITHIN).count()


def leave(name: str, now: datetime) -> None:
    WebhookWorker.objects.filter(name=name).delete()
    WebhookWorker.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()


def fair_share(busy_endpoints: int, workers: int) -> int:
    """Endpoints one dispatcher should hold when ``busy_endpoints`` have work."""
    return max(1, math.ceil(busy_endpoints / max(1, workers)))
