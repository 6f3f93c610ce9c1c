"""Storing a batch of results in one transaction: the attempts, the deliveries' new
states, the endpoints' health and pauses.

Deliveries that ended the same way are settled by one ``UPDATE … WHERE id IN`` with the
counters incremented by the database (``bulk_update``'s CASE per row and field was the
dispatcher's main cost). Only the dispatcher holding an endpoint's claim writes its
deliveries, so nothing else changes these rows meanwhile.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, F, Q, Value, When

from webhooks.chunking import chunked
from webhooks.metrics import instruments
from webhooks.models import DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.publishing import operational
from webhooks.sending import health, tally
from webhooks.sending.attempt import Outcome
from webhooks.sending.settling import Finished, Pause, Settlement

CANCELLED = Q(status=DeliveryStatus.CANCELLED)
logger = logging.getLogger(__name__)


def store(finished: Sequence[Finished], pauses: Sequence[Pause], now: datetime) -> None:
    # Everything that needs no database is prepared before the transaction: on SQLite it
    # holds the write lock, and Python work inside it waits for the GIL behind the
    # sender threads.
    finished = sorted(finished, key=lambda r: r.outcome.started_at)
    rows = [attempt_row(r.outcome) for r in finished]
    pauses_by_endpoint = {p.endpoint_id: p for p in pauses}
    with transaction.atomic():
        # Deliveries deleted meanwhile (their endpoint was deleted) take their results
        # with them.
        tried = _tries_so_far([r.outcome.target.delivery_id for r in finished])
        kept = [(r, row) for r, row in zip(finished, rows, strict=True) if row.delivery_id in tried]
        finished = [r for r, _ in kept]
        tries: Counter[int] = Counter()
        for _, row in kept:
            tries[row.delivery_id] += 1
            row.number = tried[row.delivery_id] + tries[row.delivery_id]
        DeliveryAttempt.objects.bulk_create([row for _, row in kept])
        _settle(finished, tries, now)
        tally.count_hours(finished)
        outcomes: dict[int, list[Outcome]] = defaultdict(list)
        for result in sorted(finished, key=lambda r: r.outcome.finished_at):
            outcomes[result.endpoint_id].append(result.outcome)
        _lock_endpoints(outcomes.keys() | pauses_by_endpoint.keys())
        health.record_round(outcomes, now)
        for pk in sorted(pauses_by_endpoint):
            _pause(pauses_by_endpoint[pk])
        exhausted = [r.outcome.target.delivery_id for r in finished if r.exhausted]
        operational.announce_exhausted(exhausted)
    # Counted once stored, so the counters equal the delivery log.
    instruments.count_attempts((r.outcome for r in finished), len(exhausted))
    for result in finished:
        if result.exhausted:
            target = result.outcome.target
            logger.warning(
                "webhook delivery %s failed for good after its retry schedule: %s",
                target.delivery_id,
                result.settlement.last_error,
                extra=target.log_ids(),
            )


def _settle(finished: Sequence[Finished], tries: Counter[int], now: datetime) -> None:
    """Each delivery as its last try left it, one ``UPDATE`` per way of ending."""
    last = {r.outcome.target.delivery_id: r.settlement for r in finished}
    settled: dict[tuple[Settlement, int], list[int]] = defaultdict(list)
    for delivery_id, settlement in last.items():
        settled[(settlement, tries[delivery_id])].append(delivery_id)
    for (settlement, count), ids in settled.items():
        if count > 1:
            logger.error(
                "webhook deliveries %s were sent %s times in one round; each try is "
                "logged (receivers deduplicate on webhook-id)",
                ids,
                count,
            )
        for chunk in chunked(ids):
            WebhookDelivery.objects.filter(id__in=chunk).update(
                # Cancelled while its try was in flight: the try is counted, and the
                # delivery stays cancelled rather than coming back for a retry.
                status=Case(When(CANCELLED, then=F("status")), default=Value(settlement.status)),
                attempts=F("attempts") + count,
                schedule_position=F("schedule_position") + count,
                next_attempt_at=_next_attempt(settlement.next_attempt_at),
                last_status_code=settlement.last_status_code,
                last_error=settlement.last_error,
                updated_at=now,
            )


def _next_attempt(due: datetime | None) -> Any:
    """``due`` for a retry, except for a delivery cancelled meanwhile. (No CASE without a
    retry: PostgreSQL would type a CASE of two NULL parameters as text.)"""
    if due is None:
        return None
    return Case(When(CANCELLED, then=None), default=Value(due), output_field=DateTimeField())


def _tries_so_far(ids: Sequence[int]) -> dict[int, int]:
    """Each delivery's logged tries, its row locked until the round is stored (by id, so
    two rounds cannot deadlock): the next try's number is read here, under the lock, not
    from what the sender read before sending."""
    found: dict[int, int] = {}
    for chunk in chunked(sorted(set(ids))):
        rows = WebhookDelivery.objects.filter(id__in=chunk).order_by("id")
        rows = rows.select_for_update(no_key=True)
        found.update(rows.values_list("id", "attempts"))
    return found


def _lock_endpoints(ids: Collection[int]) -> None:
    """Endpoint rows are shared between dispatchers (a hand-off): locked in id order
    before the round changes them in its own order, so two rounds cannot deadlock on
    PostgreSQL. One row cannot deadlock; SQLite locks the whole file anyway."""
    if len(ids) > 1 and connection.features.has_select_for_update:
        # NO KEY: a plain FOR UPDATE also blocks the foreign-key checks of transactions
        # inserting rows that point at the endpoint (the outbox's new deliveries), which
        # PostgreSQL runs at COMMIT; a writer that had checked one of our endpoints and
        # waited on the next deadlocked with us (seen in make bench).
        rows = WebhookEndpoint.objects.filter(pk__in=ids).order_by("pk")
        rows = rows.select_for_update(no_key=True)
        list(rows.values_list("pk"))


def _pause(pause: Pause) -> None:
    WebhookEndpoint.objects.filter(
        Q(paused_until__isnull=True) | Q(paused_until__lt=pause.until), pk=pause.endpoint_id
    ).update(paused_until=pause.until, pause_reason=pause.reason)
    logger.info(
        "webhook endpoint %s paused until %s: %s",
        pause.endpoint_id,
        pause.until.isoformat(),
        pause.reason,
        extra={"endpoint_id": pause.endpoint_id},
    )


def attempt_row(outcome: Outcome) -> DeliveryAttempt:
    """The try's row; its number is given under the delivery's lock."""
    return DeliveryAttempt(
        delivery_id=outcome.target.delivery_id,
        number=0,
        started_at=outcome.started_at,
        duration_ms=outcome.duration_ms,
        request_headers=outcome.request_headers,
        status_code=outcome.status_code,
        response_body=outcome.response_body,
        error=outcome.error,
    )
