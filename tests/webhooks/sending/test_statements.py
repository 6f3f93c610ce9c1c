"""The dispatcher's frequent queries run as SQL (``webhooks.sending.statements``): the
claim round's look for waiting endpoints and the read of an endpoint's next deliveries
must find exactly what the querysets that define them find, on SQLite and PostgreSQL,
whatever the time they run at and whatever state the rows are in."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.support.factories import make_delivery, make_endpoint
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.sending import claims, statements, upcoming

pytestmark = pytest.mark.django_db


def _by_the_orm(limit: int, exclude: set[int], now: datetime) -> list[int]:
    return list(claims.claimable(now, exclude).values_list("id", flat=True)[:limit])


@pytest.fixture
def endpoints_in_every_state() -> dict[str, WebhookEndpoint]:
    now = timezone.now()
    later, earlier = now + timedelta(minutes=5), now - timedelta(minutes=5)

    def endpoint(name: str, due: datetime | None = None, **fields: object) -> WebhookEndpoint:
        made = make_endpoint(f"https://{name}.example.com/in", **fields)
        if due is not None:
            make_delivery(made, status="pending", created_at=due)
        return made

    ordered_head_waits = endpoint("ordered-head-waits", due=later, ordered=True)
    make_delivery(ordered_head_waits, status="pending", created_at=earlier)
    return {
        "due": endpoint("due", due=earlier, last_served_at=earlier),
        "served-longer-ago": endpoint(
            "older", due=earlier, last_served_at=now - timedelta(hours=1)
        ),
        "never-served": endpoint("never", due=earlier),
        "not-due": endpoint("not-due", due=later),
        "nothing": endpoint("nothing"),
        "inactive": endpoint("inactive", due=earlier, is_active=False),
        "claimed": endpoint("claimed", due=earlier, claimed_by="w", claimed_until=later),
        "claim-ran-out": endpoint("ran-out", due=earlier, claimed_by="w", claimed_until=earlier),
        "paused": endpoint("paused", due=earlier, paused_until=later),
        "pause-over": endpoint("pause-over", due=earlier, paused_until=earlier),
        "ordered-due": endpoint("ordered-due", due=earlier, ordered=True),
        "ordered-head-waits": ordered_head_waits,
    }


@pytest.mark.parametrize("minutes_from_now", [-10, 0, 10])
@pytest.mark.parametrize("limit", [1, 3, 32])
def test_the_look_for_waiting_endpoints_finds_what_the_queryset_finds(
    endpoints_in_every_state: dict[str, WebhookEndpoint], minutes_from_now: int, limit: int
) -> None:
    now = timezone.now() + timedelta(minutes=minutes_from_now)
    for left_out in (set(), {endpoints_in_every_state["never-served"].pk}):
        assert claims.peek(limit, left_out, now) == _by_the_orm(limit, left_out, now)


def test_it_finds_the_waiting_ones_longest_unserved_first(
    endpoints_in_every_state: dict[str, WebhookEndpoint],
) -> None:
    names = {e.pk: name for name, e in endpoints_in_every_state.items()}
    found = [names[pk] for pk in claims.peek(32, (), timezone.now())]
    # Never served first (by id), then the one served longest ago.
    assert found == [
        "never-served",
        "claim-ran-out",
        "pause-over",
        "ordered-due",
        "served-longer-ago",
        "due",
    ]


def test_each_is_one_query(endpoints_in_every_state: dict[str, WebhookEndpoint]) -> None:
    endpoint = endpoints_in_every_state["due"]
    snapshot = claims.snapshot(endpoint, timezone.now())
    with CaptureQueriesContext(connection) as queries:
        claims.peek(5, (), timezone.now())
        upcoming.next_deliveries(snapshot, 5, (), timezone.now())
    assert len(queries) == 2


@pytest.mark.parametrize("limit", [1, 2, 5, 100])
def test_the_read_of_next_deliveries_finds_what_the_queryset_finds(limit: int) -> None:
    now = timezone.now()
    endpoint = make_endpoint()
    other = make_endpoint("https://other.example.com/in")
    due = [
        make_delivery(endpoint, status="pending", created_at=now - timedelta(seconds=s))
        for s in (50, 40, 30, 20, 10)
    ]
    make_delivery(endpoint, status="pending", created_at=now + timedelta(minutes=1))
    make_delivery(endpoint, status="succeeded", attempts=1)
    make_delivery(other, status="pending", created_at=now - timedelta(minutes=1))
    snapshot = claims.snapshot(endpoint, now)
    for in_hand in (set(), {due[0].pk}, {due[1].pk, due[3].pk}, {d.pk for d in due}):
        by_the_orm = list(
            upcoming.due_unordered(now, endpoint.pk)
            .exclude(id__in=in_hand)
            .values_list("id", flat=True)[:limit]
        )
        targets = upcoming.next_deliveries(snapshot, limit, in_hand, now)
        assert [t.delivery_id for t in targets] == by_the_orm, in_hand
        for target in targets:  # the values as the ORM reads them (a UUID, not its text)
            delivery = WebhookDelivery.objects.select_related("event").get(pk=target.delivery_id)
            assert target.webhook_id == str(delivery.event.id)
            assert target.body == delivery.event.payload.encode()


def test_a_due_row_holds_what_the_queryset_reads() -> None:
    """Every column, as the ORM gives it: the event's id a UUID on SQLite too, the
    body and schedule a delivery pinned."""
    now = timezone.now()
    endpoint = make_endpoint()
    earlier = now - timedelta(seconds=5)
    make_delivery(endpoint, status="pending", created_at=earlier)
    make_delivery(
        endpoint,
        status="pending",
        created_at=earlier,
        format="slack",
        body='{"text": "hi"}',
        retry_schedule="1s,5s",
    )

    rows = statements.due_deliveries(endpoint.pk, now, 10)

    by_the_orm = list(upcoming.due_unordered(now, endpoint.pk).values_list(*upcoming.COLUMNS)[:10])
    assert rows == by_the_orm
    assert len(rows) == 2
