"""End to end, no mocks: a real receiver on 127.0.0.1, a real ``qcluster`` child process,
the file-backed test database (SQLite + ORM broker, or PostgreSQL + Redis), signatures
checked with the official ``standardwebhooks`` library."""

from __future__ import annotations

import io
import json
import time
from itertools import pairwise
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from testimonials.models import Testimonial
from tests.support.event_types import TESTIMONIAL_SIGNALS
from tests.support.factories import make_endpoint, make_testimonial, walk_through_lifecycle
from tests.support.receiver import Received, Receiver
from tests.support.waiting import wait_until
from tests.support.worker import StartWorker
from webhooks import endpoint_actions
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def verified(endpoint: WebhookEndpoint, request: Received) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(endpoint.secret).verify(request.body, request.headers)
    return payload


def test_all_seven_event_types_arrive_signed(receiver: Receiver, start_worker: StartWorker) -> None:
    endpoint = make_endpoint(url=receiver.url("/all"))
    start_worker()

    walk_through_lifecycle(make_testimonial())

    receiver.wait_for(lambda got: len(got) >= len(TESTIMONIAL_SIGNALS), timeout=30)
    payloads = [verified(endpoint, request) for request in receiver.at("/all")]
    assert sorted(p["type"] for p in payloads) == sorted(TESTIMONIAL_SIGNALS)
    events = {str(e.id): e for e in WebhookEvent.objects.all()}
    for request in receiver.at("/all"):
        event = events[request.headers["webhook-id"]]
        assert request.body == event.payload.encode()
        assert request.headers["content-type"] == "application/json"
    wait_until(
        lambda: WebhookDelivery.objects.filter(status="succeeded").count() == 7,
        10,
        "seven deliveries recorded as succeeded",
    )


def test_500_500_200_is_three_tries_and_a_success(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    receiver.script("/flaky", 500, 500, 200)
    endpoint = make_endpoint(url=receiver.url("/flaky"))
    start_worker(WEBHOOKS_RETRY_SCHEDULE="0.5s,0.5s", WEBHOOKS_RETRY_JITTER="0")

    make_testimonial()

    receiver.wait_for(lambda got: len(got) == 3, timeout=20)
    wait_until(
        lambda: WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED,
        10,
        "the delivery to succeed",
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 3
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [
        (1, 500),
        (2, 500),
        (3, 200),
    ]
    tries = receiver.at("/flaky")
    assert len({r.headers["webhook-id"] for r in tries}) == 1
    for request in tries:
        verified(endpoint, request)
    # Each retry goes out about when it is due: 0.5 s after the failure, within a second.
    gaps = [later.at - earlier.at for earlier, later in pairwise(tries)]
    assert all(0.45 <= gap <= 1.5 for gap in gaps), gaps


def test_a_failed_delivery_replayed_by_the_command_arrives_with_the_same_webhook_id(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    receiver.script("/down", 500, 500, 200)
    endpoint = make_endpoint(url=receiver.url("/down"))
    start_worker(WEBHOOKS_RETRY_SCHEDULE="0.2s", WEBHOOKS_RETRY_JITTER="0")
    make_testimonial()
    wait_until(
        lambda: WebhookDelivery.objects.get().status == DeliveryStatus.FAILED,
        20,
        "the delivery to fail after its two tries",
    )
    # The receiver rotates to the new secret during the outage; the old one still signs.
    old_secret = endpoint.secret
    endpoint_actions.rotate_secret(endpoint)

    call_command("replay_webhooks", stdout=io.StringIO())

    receiver.wait_for(lambda got: len(got) == 3, timeout=20)
    wait_until(
        lambda: WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED,
        10,
        "the replayed delivery to succeed",
    )
    first, _, replayed = receiver.at("/down")
    assert replayed.headers["webhook-id"] == first.headers["webhook-id"]
    assert replayed.body == first.body
    assert len(replayed.headers["webhook-signature"].split()) == 2
    Webhook(old_secret).verify(replayed.body, replayed.headers)
    Webhook(endpoint.secret).verify(replayed.body, replayed.headers)
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 3
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [
        (1, 500),
        (2, 500),
        (3, 200),
    ]


def test_a_rolled_back_change_sends_nothing(receiver: Receiver, start_worker: StartWorker) -> None:
    make_endpoint(url=receiver.url("/hooks"))
    testimonial = make_testimonial()
    start_worker()
    receiver.wait_for(lambda got: len(got) == 1, timeout=20)

    with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012
        testimonial.approve()
        raise RuntimeError("the request failed after approving")
    testimonial = Testimonial.objects.get(pk=testimonial.pk)
    testimonial.archive()

    receiver.wait_for(lambda got: len(got) == 2, timeout=20)
    types = [json.loads(r.body)["type"] for r in receiver.received]
    assert types == ["testimonial.created", "testimonial.archived"]


def test_a_worker_killed_during_a_pending_retry_delivers_after_restart(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    receiver.script("/later", 503, 200)
    endpoint = make_endpoint(url=receiver.url("/later"))
    worker = start_worker(WEBHOOKS_RETRY_SCHEDULE="3s", WEBHOOKS_RETRY_JITTER="0")
    make_testimonial()
    wait_until(lambda: WebhookDelivery.objects.filter(attempts=1).exists(), 20, "the first try")

    worker.kill()
    pending = WebhookDelivery.objects.get()
    assert pending.status == DeliveryStatus.PENDING
    worker.start()

    receiver.wait_for(lambda got: len(got) == 2, timeout=30)
    wait_until(
        lambda: WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED,
        10,
        "the retry to be recorded",
    )
    assert WebhookDelivery.objects.get().attempts == 2
    verified(endpoint, receiver.at("/later")[1])


def test_web_and_worker_writing_at_once_never_lock(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    make_endpoint(url=receiver.url("/busy"))
    worker = start_worker()
    testimonials = [make_testimonial() for _ in range(20)]

    for round_number in range(5):
        for testimonial in testimonials:
            (testimonial.approve, testimonial.archive)[round_number % 2]()

    expected = 20 * 6
    receiver.wait_for(lambda got: len(got) >= expected, timeout=60)
    wait_until(
        lambda: WebhookDelivery.objects.filter(status="succeeded").count() == expected,
        20,
        "every delivery recorded",
    )
    assert "database is locked" not in worker.log()
    assert "Traceback" not in worker.log()


def test_a_hanging_endpoint_does_not_delay_healthy_ones(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    receiver.hangs["/hang"] = 8
    make_endpoint(url=receiver.url("/hang"))
    make_endpoint(url=receiver.url("/fast"))
    start_worker(WEBHOOKS_TIMEOUT="4", Q_WORKERS="1")

    started = time.monotonic()
    for _ in range(10):
        make_testimonial()

    receiver.wait_for(lambda got: len([r for r in got if r.path == "/fast"]) == 10, timeout=20)
    elapsed = time.monotonic() - started
    assert elapsed < 3, f"healthy deliveries took {elapsed:.1f}s behind a hanging endpoint"
    # Its request started with the others but may reach the receiver after them: wait
    # for it, to know the hanging endpoint was really being tried meanwhile. An endpoint
    # gets more requests at once only after it has answered slowly; one that never
    # answers gets one at a time.
    receiver.wait_for(lambda got: any(r.path == "/hang" for r in got), timeout=5)
    assert len(receiver.at("/hang")) == 1
