"""How far behind the dispatchers are: what ``webhook_status`` prints and the delivery
log's header shows. A handful of aggregate queries, cheap enough to poll."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q

from webhooks import counting
from webhooks.models import (
    SUCCESSFUL_ATTEMPT,
    DeliveryAttempt,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)

PENDING = Q(status=DeliveryStatus.PENDING)
ACTIVE = Q(endpoint__is_active=True)


def _paused(now: datetime, prefix: str = "") -> Q:
    return Q(**{f"{prefix}paused_until__gt": now})


def due_now(now: datetime) -> Q:
    """Of the pending deliveries, those the dispatchers would send now: due, for an
    endpoint that is on and not paused."""
    return ACTIVE & Q(next_attempt_at__lte=now) & ~_paused(now, "endpoint__")


@dataclass(frozen=True)
class Backlog:
    pending: int  # not sent yet, or waiting for a retry
    due: int  # pending, due now, for an active endpoint not paused: the dispatchers' queue
    oldest_due_seconds: float | None  # how long the longest-waiting due one has waited
    waiting_for_paused: int  # due, but their endpoint asked us to wait (Retry-After, down)
    waiting_for_disabled: int  # pending for endpoints that are switched off
    failed: int  # gave up after the whole schedule; replayable
    failed_last_hour: int
    attempts_last_hour: int
    failed_attempts_last_hour: int
    active_endpoints: int
    sending_endpoints: int  # claimed by a dispatcher right now
    paused_endpoints: int
    disabled_endpoints: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_failed_for_good = WebhookDelivery.objects.filter(
    pk=OuterRef("delivery_id"), status=DeliveryStatus.FAILED, attempts=OuterRef("number")
)


def snapshot(now: datetime, failed_up_to: int | None = None) -> Backlog:
    """The backlog now, each figure read off an index: pending deliveries (the
    dispatchers' queue, not history), the last hour's through that hour's attempts, and
    failed ones, which history does grow: counted exactly (the API, the metrics,
    ``webhook_status``), or, with ``failed_up_to`` (the admin's pages, which must cost
    the same at any size), up to that many ("10,000+")."""
    hour_ago = now - timedelta(hours=1)
    due_any = ACTIVE & Q(next_attempt_at__lte=now)
    paused = _paused(now, "endpoint__")
    due = due_now(now)
    deliveries = WebhookDelivery.objects.filter(PENDING).aggregate(
        pending=Count("pk"),
        due=Count("pk", filter=due),
        oldest_due=Min("next_attempt_at", filter=due),
        waiting_for_paused=Count("pk", filter=due_any & paused),
        waiting_for_disabled=Count("pk", filter=~ACTIVE),
    )
    failed_rows = WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED)
    failed = (
        failed_rows.count()
        if failed_up_to is None
        else counting.capped_count(failed_rows, failed_up_to)
    )
    recent = DeliveryAttempt.objects.filter(started_at__gte=hour_ago)
    attempts = recent.aggregate(
        total=Count("pk"),
        succeeded=Count("pk", filter=SUCCESSFUL_ATTEMPT),
        # A delivery that failed for good in the hour: its last try was in it, and
        # failed. A probe per failed try (the filter's AND stops at a success), not a
        # join: on PostgreSQL a join to the partitioned deliveries was planned as a
        # scan of all of them (docs/performance.md).
        gave_up=Count("pk", filter=~SUCCESSFUL_ATTEMPT & Q(Exists(_failed_for_good))),
    )
    endpoints = WebhookEndpoint.objects.aggregate(
        active=Count("pk", filter=Q(is_active=True)),
        sending=Count("pk", filter=Q(is_active=True, claimed_until__gt=now)),
        paused=Count("pk", filter=Q(is_active=True) & _paused(now)),
        disabled=Count("pk", filter=Q(is_active=False)),
    )
    oldest = deliveries.pop("oldest_due")
    return Backlog(
        **deliveries,
        oldest_due_seconds=(now - oldest).total_seconds() if oldest else None,
        failed=failed,
        failed_last_hour=attempts["gave_up"],
        attempts_last_hour=attempts["total"],
        failed_attempts_last_hour=attempts["total"] - attempts["succeeded"],
        active_endpoints=endpoints["active"],
        sending_endpoints=endpoints["sending"],
        paused_endpoints=endpoints["paused"],
        disabled_endpoints=endpoints["disabled"],
    )


def describe(state: Backlog) -> list[str]:
    """The backlog in four lines of prose."""
    waited = state.oldest_due_seconds
    oldest = "none due" if waited is None else f"the oldest has waited {waited:.1f}s"
    failed_share = (
        f" ({state.failed_attempts_last_hour / state.attempts_last_hour:.1%})"
        if state.attempts_last_hour
        else ""
    )
    return [
        f"Pending deliveries: {state.pending} (due now: {state.due}, {oldest}; "
        f"waiting for paused endpoints: {state.waiting_for_paused}; for disabled endpoints: "
        f"{state.waiting_for_disabled})",
        f"Failed deliveries: {state.failed} ({state.failed_last_hour} in the last hour; "
        "replay with manage.py replay_webhooks)",
        f"Attempts in the last hour: {state.attempts_last_hour}, failed: "
        f"{state.failed_attempts_last_hour}{failed_share}",
        f"Endpoints: {state.active_endpoints} active ({state.sending_endpoints} being sent "
        f"to, {state.paused_endpoints} paused), {state.disabled_endpoints} disabled",
    ]
