"""Every signal becomes a stored event with one delivery per subscribed endpoint, in the
transaction of the change."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from testimonials.models import Testimonial
from tests.support.event_types import TESTIMONIAL_SIGNALS
from tests.support.factories import (
    make_category,
    make_endpoint,
    make_testimonial,
    png_upload,
    walk_through_lifecycle,
)
from webhooks.models import WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db


def events_of(event_type: str) -> list[dict[str, Any]]:
    return [e.payload_data() for e in WebhookEvent.objects.filter(type=event_type)]


def the_event(event_type: str) -> dict[str, Any]:
    (payload,) = events_of(event_type)
    return payload


def test_every_lifecycle_change_records_its_event_type() -> None:
    make_endpoint()
    walk_through_lifecycle(make_testimonial())

    recorded = set(WebhookEvent.objects.values_list("type", flat=True))
    assert recorded == set(TESTIMONIAL_SIGNALS)
    assert WebhookDelivery.objects.count() == len(TESTIMONIAL_SIGNALS)


def test_the_payload_shape() -> None:
    make_endpoint()
    category = make_category(name="Support")
    testimonial = make_testimonial(
        author_name="Ada",
        author_email="ada@example.com",
        company="Engines",
        rating=4,
        category=category,
        title="Quick",
        content="Answered within the hour, twice.",
    )
    testimonial.reject("Contains a phone number")

    payload = the_event("testimonial.rejected")

    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["type"] == "testimonial.rejected"
    assert payload["timestamp"].endswith("Z")
    assert len(payload["timestamp"]) == len("2026-11-24T10:00:00.123456Z")
    assert payload["data"]["reason"] == "Contains a phone number"
    data = payload["data"]["testimonial"]
    assert {k: data[k] for k in ("id", "slug", "status", "rating", "content")} == {
        "id": testimonial.pk,
        "slug": testimonial.slug,
        "status": "rejected",
        "rating": 4,
        "content": "Answered within the hour, twice.",
    }
    assert (data["author_name"], data["author_email"], data["company"]) == (
        "Ada",
        "ada@example.com",
        "Engines",
    )
    assert data["category"] == {"id": category.pk, "name": "Support", "slug": "support"}
    assert data["is_anonymous"] is False
    assert data["created_at"].endswith("Z")


def test_responded_carries_the_response_and_media_added_the_media() -> None:
    make_endpoint()
    testimonial = make_testimonial()
    testimonial.add_response("Thanks, we fixed it.")
    media = testimonial.add_media(png_upload("shop.png"), title="Shop", is_primary=True)

    assert the_event("testimonial.responded")["data"]["response"] == "Thanks, we fixed it."
    added = the_event("testimonial.media_added")["data"]
    assert added["testimonial"]["id"] == testimonial.pk
    assert added["media"]["id"] == media.pk
    assert (added["media"]["media_type"], added["media"]["title"]) == ("image", "Shop")
    assert added["media"]["is_primary"] is True
    assert added["media"]["url"].endswith(".png")


def test_anonymous_testimonials_carry_no_identity() -> None:
    make_endpoint()
    make_testimonial(
        is_anonymous=True,
        author_name="Ada Lovelace",
        author_email="ada@example.com",
        company="Engines",
    )

    event = WebhookEvent.objects.get()
    data = event.payload_data()["data"]["testimonial"]
    assert (data["author_name"], data["author_email"], data["company"]) == ("Anonymous", None, None)
    assert "Ada" not in event.payload
    assert "ada@example.com" not in event.payload


def test_only_active_subscribed_endpoints_get_deliveries() -> None:
    everything = make_endpoint(event_types=[])
    approvals = make_endpoint(event_types=["testimonial.approved"])
    make_endpoint(event_types=["testimonial.approved"], is_active=False)
    make_endpoint(event_types=["testimonial.rejected"])
    testimonial = make_testimonial()
    testimonial.approve()

    approved = WebhookEvent.objects.get(type="testimonial.approved")
    created = WebhookEvent.objects.get(type="testimonial.created")
    assert set(approved.deliveries.values_list("endpoint", flat=True)) == {
        everything.pk,
        approvals.pk,
    }
    assert list(created.deliveries.values_list("endpoint", flat=True)) == [everything.pk]
    delivery = approved.deliveries.first()
    assert delivery is not None
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        "pending",
        0,
        approved.created_at,
    )


def test_nobody_subscribed_records_nothing() -> None:
    make_endpoint(event_types=["testimonial.archived"])

    make_testimonial().approve()

    assert not WebhookEvent.objects.exists()


def test_a_rolled_back_change_records_nothing() -> None:
    make_endpoint()
    testimonial = make_testimonial()
    WebhookEvent.objects.all().delete()

    def approve_then_fail() -> None:
        with transaction.atomic():
            testimonial.approve()
            raise RuntimeError("the request failed later")

    with pytest.raises(RuntimeError):
        approve_then_fail()

    assert not WebhookEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_the_stored_body_is_compact_utf8_json() -> None:
    make_endpoint()
    make_testimonial(content='Très bien — “quoted” \\ and "escaped"')

    body = WebhookEvent.objects.get().payload

    assert "Très bien — “quoted”" in body
    assert ", " not in body.split('"content"')[0]
    assert json.loads(body)["data"]["testimonial"]["content"].startswith("Très bien")


def approve_queries(endpoints: int) -> int:
    for _ in range(endpoints):
        make_endpoint()
    testimonial = Testimonial.objects.get(pk=make_testimonial().pk)
    with CaptureQueriesContext(connection) as queries:
        testimonial.approve()
    assert WebhookDelivery.objects.filter(event__type="testimonial.approved").count() == (endpoints)
    return len(queries)


@pytest.mark.parametrize("many", [50, 120])
def test_the_request_path_costs_the_same_queries_for_1_and_many_endpoints(many: int) -> None:
    one = approve_queries(1)
    WebhookEvent.objects.all().delete()
    Testimonial.objects.all().delete()
    from webhooks.models import WebhookEndpoint

    WebhookEndpoint.objects.all().delete()

    assert approve_queries(many) == one


# For each event type: the extra keys in "data", and the status the testimonial had when
# walk_through_lifecycle() caused it.
SHAPES = {
    "testimonial.created": (set(), "pending"),
    "testimonial.media_added": ({"media"}, "pending"),
    "testimonial.approved": (set(), "approved"),
    "testimonial.featured": (set(), "featured"),
    "testimonial.responded": ({"response"}, "featured"),
    "testimonial.rejected": ({"reason"}, "rejected"),
    "testimonial.archived": (set(), "archived"),
}


@pytest.mark.parametrize("event_type", sorted(SHAPES))
def test_each_event_type_has_its_own_shape(event_type: str) -> None:
    make_endpoint(event_types=[event_type])
    testimonial = make_testimonial()
    walk_through_lifecycle(testimonial)
    extra_keys, status = SHAPES[event_type]

    payload = the_event(event_type)

    assert payload["type"] == event_type
    assert set(payload["data"]) == {"testimonial"} | extra_keys
    sent = payload["data"]["testimonial"]
    assert (sent["id"], sent["slug"], sent["rating"], sent["status"]) == (
        testimonial.pk,
        testimonial.slug,
        testimonial.rating,
        status,
    )


def test_a_process_wakes_the_dispatchers_at_most_once_a_quarter_poll(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """With the Redis broker: not a task per commit, which the cluster ran and logged one
    by one; what a woken dispatcher misses waits a quarter poll for the next message."""
    from django_q import tasks
    from django_q.conf import Conf

    from webhooks.publishing import outbox

    sent: list[str] = []
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(outbox, "_broker", lambda: None)
    monkeypatch.setattr(tasks, "async_task", lambda name, **_: sent.append(name))
    monkeypatch.setattr(outbox, "_woken_at", 0.0)
    settings.WEBHOOKS_POLL_INTERVAL = "60s"  # a quarter: 15 s, longer than this test

    outbox._wake_dispatchers()
    outbox._wake_dispatchers()
    assert sent == ["webhooks.tasks.wake"]

    outbox._woken_at -= 16  # a quarter poll later
    outbox._wake_dispatchers()
    assert sent == ["webhooks.tasks.wake", "webhooks.tasks.wake"]
