"""Endpoint claims: a dispatcher sends to an endpoint only while it holds the endpoint's
claim (a lease it renews), so an endpoint's limits (requests in flight, rate, order,
pauses) are kept by one process at a time, which is what makes them hold for the whole
cluster. Claims go to the endpoint served longest ago: round-robin across endpoints.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from webhooks.chunking import chunked
from webhooks.conf import conf
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.sending import statements
from webhooks.validation import headers

logger = logging.getLogger(__name__)

# What, when it changes, makes a dispatcher's copy of an endpoint stale: its saved
# settings (admin, API, rotation bump updated_at), whether it is active, and whether the
# previous secret still signs.
Version = tuple[datetime, bool, bool]


@dataclass(frozen=True)
class EndpointSnapshot:
    """An endpoint as its dispatcher sends to it, read once per claim."""

    id: int
    url: str = field(repr=False)  # credentials: out of tracebacks and error reports
    secrets: list[str] = field(repr=False)
    headers: dict[str, str] = field(repr=False)
    max_in_flight: int  # its own or the default; one for an ordered endpoint
    rate_limit: float | None  # requests per second
    ordered: bool
    timeout: float  # seconds for a whole try
    retry_schedule: tuple[timedelta, ...]  # its own, or WEBHOOKS_RETRY_SCHEDULE
    failing: bool  # its last try failed: start with one request, not a burst
    rate_limited_until: datetime | None
    version: Version
    # Why no request may be sent to it as it is (its custom headers), else empty.
    refusal: str = ""


def _version(
    updated_at: datetime, is_active: bool, previous_expires: datetime | None, now: datetime
) -> Version:
    return (updated_at, is_active, previous_expires is not None and previous_expires > now)


def snapshot(endpoint: WebhookEndpoint, now: datetime) -> EndpointSnapshot:
    return EndpointSnapshot(
        id=endpoint.pk,
        url=endpoint.url,
        secrets=endpoint.signing_secrets(),
        headers=dict(endpoint.headers),
        max_in_flight=(
            1 if endpoint.ordered else endpoint.max_in_flight or conf.endpoint_max_in_flight
        ),
        rate_limit=float(endpoint.rate_limit) if endpoint.rate_limit else None,
        ordered=endpoint.ordered,
        timeout=endpoint.effective_timeout(),
        retry_schedule=endpoint.effective_retry_schedule(),
        failing=endpoint.consecutive_failures > 0,
        rate_limited_until=endpoint.rate_limited_until,
        version=_version(
            endpoint.updated_at, endpoint.is_active, endpoint.previous_secret_expires_at, now
        ),
        refusal=_headers_refusal(endpoint),
    )


def _headers_refusal(endpoint: WebhookEndpoint) -> str:
    """Why the endpoint's custom headers cannot be sent: stored around ``save()`` for
    another origin (they go only to their own, SPEC §10), or before the header rules were
    this strict."""
    if not endpoint.headers_bound():
        return (
            "its custom headers' values were saved for another origin than its URL's; "
            "give them again for this URL."
        )
    if problem := headers.unsendable(endpoint.headers):
        return f"{problem} Edit the endpoint."
    return ""


def claimable(now: datetime, exclude: Collection[int] = ()) -> QuerySet[WebhookEndpoint]:
    """Active endpoints nobody serves, not paused, with a delivery to send now (for an
    ordered endpoint: its oldest pending one is due), longest unserved first.

    Each test on deliveries is the first row of an index (``ORDER BY … LIMIT 1``), one
    probe per endpoint whatever the backlog (an ``EXISTS`` became a sequential scan per
    endpoint on PostgreSQL: docs/performance.md)."""
    pending = WebhookDelivery.objects.filter(
        endpoint_id=OuterRef("pk"), status=DeliveryStatus.PENDING, next_attempt_at__isnull=False
    )
    soonest = Subquery(pending.order_by("next_attempt_at").values("next_attempt_at")[:1])
    head = Subquery(pending.order_by("id").values("next_attempt_at")[:1])
    return (
        WebhookEndpoint.objects.filter(is_active=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .filter(Q(paused_until__isnull=True) | Q(paused_until__lte=now))
        .exclude(pk__in=list(exclude))
        .alias(soonest_due_at=soonest, head_due_at=head)
        .filter(Q(ordered=False, soonest_due_at__lte=now) | Q(ordered=True, head_due_at__lte=now))
        .order_by(F("last_served_at").asc(nulls_first=True), "id")
    )


def peek(limit: int, exclude: Collection[int], now: datetime) -> list[int]:
    """Endpoints waiting to be served, changing nothing (and taking no write lock)."""
    if limit <= 0:
        return []
    left_out = set(exclude)
    # Looked for several times a second by every dispatcher, busy or idle: as SQL.
    found = statements.waiting_endpoints(now, limit + len(left_out))
    return [pk for pk in found if pk not in left_out][:limit]


def claim(
    candidates: list[int], exclude: Collection[int], owner: str, now: datetime
) -> list[EndpointSnapshot]:
    """Claims for ``owner`` those of ``candidates`` (from ``peek``, which looks without a
    transaction, so an idle dispatcher's polling never holds SQLite's write lock) that are
    still claimable; endpoints another dispatcher is claiming at the same moment are
    skipped (PostgreSQL: SKIP LOCKED)."""
    if not candidates:
        return []
    with transaction.atomic():
        # NO KEY: inserting a delivery takes a key-share lock on its endpoint, which a
        # plain FOR UPDATE would conflict with.
        previous = dict(
            claimable(now, exclude)
            .filter(pk__in=candidates)
            .select_for_update(skip_locked=True, no_key=True)
            .values_list("id", "claimed_by")
        )
        if not previous:
            return []
        ids = list(previous)
        WebhookEndpoint.objects.filter(pk__in=ids).update(
            claimed_by=owner, claimed_until=now + conf.lease, last_served_at=now
        )
        endpoints = list(WebhookEndpoint.objects.filter(pk__in=ids))
    for pk, holder in previous.items():
        if holder:  # a release empties it: its holder stopped without one
            logger.warning(
                "webhook endpoint %s: worker %s stopped without releasing it (killed, or "
                "cut off from the database); the deliveries it sent in its last moments "
                "and had not recorded go again, under the same webhook-id",
                pk,
                holder,
                extra={"endpoint_id": pk},
            )
    # Decrypting the secrets happens outside the transaction.
    return [snapshot(endpoint, now) for endpoint in endpoints]


def busy(now: datetime) -> int:
    """Endpoints some dispatcher is serving."""
    return WebhookEndpoint.objects.filter(is_active=True, claimed_until__gt=now).count()


def renew(ids: Collection[int], owner: str, now: datetime) -> set[int]:
    """Extends ``owner``'s claims; returns the ids it still holds."""
    ids = list(ids)
    kept: set[int] = set()
    for chunk in chunked(ids):
        mine = WebhookEndpoint.objects.filter(pk__in=chunk, claimed_by=owner)
        if mine.update(claimed_until=now + conf.lease) == len(chunk):
            kept.update(chunk)
        else:
            kept.update(mine.values_list("id", flat=True))
    return kept


def release(rate_limited_until: dict[int, datetime | None], owner: str, now: datetime) -> None:
    """Gives up claims; each endpoint goes to the back of the round-robin, and the next
    dispatcher to serve it learns when its rate limit next allows a request."""
    by_moment: dict[datetime | None, list[int]] = {}
    for pk, until in rate_limited_until.items():
        by_moment.setdefault(until, []).append(pk)
    for until, ids in by_moment.items():
        for chunk in chunked(ids):
            WebhookEndpoint.objects.filter(pk__in=chunk, claimed_by=owner).update(
                claimed_by="", claimed_until=None, last_served_at=now, rate_limited_until=until
            )


def versions(ids: Collection[int], now: datetime) -> dict[int, Version]:
    """The current version of each endpoint still in the database."""
    found: dict[int, Version] = {}
    for chunk in chunked(list(ids)):
        rows = WebhookEndpoint.objects.filter(pk__in=chunk).values_list(
            "id", "updated_at", "is_active", "previous_secret_expires_at"
        )
        for pk, updated_at, is_active, previous_expires in rows:
            found[pk] = _version(updated_at, is_active, previous_expires, now)
    return found
