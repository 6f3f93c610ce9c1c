"""The delivery table as a queue: claim due work under a lease, record what happened."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby

from django.db import transaction
from django.db.models import F, Q

from webhooks import health
from webhooks.conf import conf
from webhooks.delivery import Outcome, Target
from webhooks.models import DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.retry import next_retry_delay

# SQLite allows 999 parameters per statement; leave room for the fixed ones.
_IDS_PER_STATEMENT = 900


@dataclass
class LaneResult:
    """What one sender lane did with one endpoint's share of a claim."""

    endpoint_id: int
    outcomes: list[Outcome] = field(default_factory=list)
    # Not tried because the receiver was unreachable: they wait for its next retry.
    deferred: list[Target] = field(default_factory=list)
    # Not tried because the lane's time slice ran out: due again at once, for anyone.
    released: list[Target] = field(default_factory=list)


def chunked(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """``ids`` in pieces small enough for one statement's parameters on SQLite."""
    for start in range(0, len(ids), _IDS_PER_STATEMENT):
        yield ids[start : start + _IDS_PER_STATEMENT]


def claim(limit: int, busy_endpoints: Collection[int], now: datetime) -> list[int]:
    """Lease up to ``limit`` due deliveries of active endpoints, oldest first. Rows another
    dispatcher holds are skipped (PostgreSQL: SKIP LOCKED; SQLite runs one writer at a
    time) and so are endpoints this dispatcher is already sending to."""
    with transaction.atomic():
        due = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .filter(endpoint__is_active=True)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .exclude(endpoint_id__in=list(busy_endpoints))
            .order_by("next_attempt_at")
        )
        ids = list(due.values_list("id", flat=True)[:limit])
        if ids:
            WebhookDelivery.objects.filter(id__in=ids).update(locked_until=now + conf.lease)
    return ids


def renew(ids: Sequence[int], now: datetime) -> None:
    """Extend the lease on work still in hand, so a long batch keeps its claim."""
    for chunk in chunked(ids):
        WebhookDelivery.objects.filter(id__in=chunk, status=DeliveryStatus.PENDING).update(
            locked_until=now + conf.lease
        )


def targets_by_endpoint(ids: Sequence[int]) -> list[tuple[int, list[Target]]]:
    deliveries = list(
        WebhookDelivery.objects.filter(id__in=ids)
        .select_related("event")
        .order_by("endpoint_id", "next_attempt_at", "id")
    )
    # One query and one decryption per endpoint, however many deliveries it has.
    endpoints = WebhookEndpoint.objects.in_bulk({d.endpoint_id for d in deliveries})
    secrets = {pk: endpoint.signing_secrets() for pk, endpoint in endpoints.items()}
    targets = [
        Target(
            delivery_id=d.pk,
            endpoint_id=d.endpoint_id,
            url=endpoints[d.endpoint_id].url,
            secrets=secrets[d.endpoint_id],
            custom_headers=dict(endpoints[d.endpoint_id].headers),
            webhook_id=d.event.webhook_id,
            body=d.event.payload.encode(),
            attempts=d.attempts,
            schedule_position=d.schedule_position,
        )
        for d in deliveries
    ]
    return [(pk, list(group)) for pk, group in groupby(targets, key=lambda t: t.endpoint_id)]


@dataclass(frozen=True)
class Settlement:
    """A delivery's state after a try, bar the counters (the database adds one)."""

    status: str
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str


def settle(outcome: Outcome) -> Settlement:
    tries = outcome.target.schedule_position + 1
    if outcome.succeeded:
        return Settlement(DeliveryStatus.SUCCEEDED, None, outcome.status_code, "")
    delay = None if outcome.gone else next_retry_delay(tries, outcome.retry_after)
    if delay is None:
        return Settlement(DeliveryStatus.FAILED, None, outcome.status_code, outcome.error)
    return Settlement(
        DeliveryStatus.PENDING, outcome.finished_at + delay, outcome.status_code, outcome.error
    )


def _deferred_until(last: Settlement | None, now: datetime) -> datetime:
    if last is not None and last.next_attempt_at is not None:
        return last.next_attempt_at
    first_step = next_retry_delay(1) or timedelta(seconds=5)
    return now + first_step


def record(results: Iterable[LaneResult], now: datetime) -> None:
    """One transaction for a round of lanes: the attempts, the deliveries' new states,
    the endpoints' health.

    The lease makes this dispatcher the only writer of these rows, so deliveries that
    end the same way are settled by one ``UPDATE … WHERE id IN`` with the counters
    incremented by the database (``bulk_update``'s CASE per row and field was the
    dispatcher's main cost)."""
    results = [r for r in results if r.outcomes or r.deferred or r.released]
    if not results:
        return
    attempts: list[DeliveryAttempt] = []
    settled: dict[Settlement, list[int]] = defaultdict(list)
    deferred: dict[datetime, list[int]] = defaultdict(list)
    for result in results:
        last = None
        for outcome in result.outcomes:
            attempts.append(_attempt_row(outcome))
            last = settle(outcome)
            settled[last].append(outcome.target.delivery_id)
        if result.deferred:
            until = _deferred_until(last, now)
            deferred[until] += [t.delivery_id for t in result.deferred]
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create(attempts)
        for settlement, ids in settled.items():
            for chunk in chunked(ids):
                WebhookDelivery.objects.filter(id__in=chunk).update(
                    status=settlement.status,
                    attempts=F("attempts") + 1,
                    schedule_position=F("schedule_position") + 1,
                    next_attempt_at=settlement.next_attempt_at,
                    last_status_code=settlement.last_status_code,
                    last_error=settlement.last_error,
                    locked_until=None,
                    updated_at=now,
                )
        for until, ids in deferred.items():
            for chunk in chunked(ids):
                WebhookDelivery.objects.filter(id__in=chunk).update(
                    next_attempt_at=until, locked_until=None, updated_at=now
                )
        released = [t.delivery_id for r in results for t in r.released]
        for chunk in chunked(released):
            WebhookDelivery.objects.filter(id__in=chunk).update(locked_until=None)
        # Endpoint rows are shared between dispatchers: update them in one order (by id)
        # so that two recording transactions cannot deadlock on PostgreSQL.
        for result in sorted(results, key=lambda r: r.endpoint_id):
            health.record(result.endpoint_id, result.outcomes, now)


def _attempt_row(outcome: Outcome) -> DeliveryAttempt:
    return DeliveryAttempt(
        delivery_id=outcome.target.delivery_id,
        number=outcome.target.attempts + 1,
        started_at=outcome.started_at,
        duration_ms=outcome.duration_ms,
        request_headers=outcome.request_headers,
        status_code=outcome.status_code,
        response_body=outcome.response_body,
        error=outcome.error,
    )
