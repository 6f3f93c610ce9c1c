"""The idempotency race, for real: a client retrying hard sends the same keyed POST from
many connections at once to gunicorn (several processes and threads), on the test
database of the pass (SQLite or PostgreSQL). One testimonial is made, one webhook reaches
the receiver, and every answer is either that testimonial or "still running"."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from testimonials.models import Testimonial
from tests.support.factories import make_api_key, make_endpoint, make_superuser
from tests.support.receiver import Receiver
from tests.support.waiting import wait_until
from tests.support.web_process import gunicorn
from tests.support.worker import StartWorker
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SENDERS = 12
BODY = {"author_name": "Ada", "content": "Quick, kind and helpful.", "rating": 5}


def test_one_key_sent_at_once_from_many_connections_makes_one_testimonial_and_one_webhook(
    receiver: Receiver, start_worker: StartWorker, tmp_path: Path
) -> None:
    make_endpoint(url=receiver.url("/hooks"), event_types=["testimonial.created"])
    _, key = make_api_key("testimonials:write", "testimonials:read", user=make_superuser())
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "retry-storm-1"}
    answers: list[httpx.Response] = []
    start = threading.Barrier(SENDERS)

    with gunicorn(tmp_path, workers=2, options=("--threads", "8")) as base:

        def send() -> None:
            with httpx.Client(timeout=30) as client:
                start.wait()
                answers.append(
                    client.post(f"{base}/api/v1/testimonials/", json=BODY, headers=headers)
                )

        senders = [threading.Thread(target=send) for _ in range(SENDERS)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(timeout=60)
        # Those told "still running" retry once the first has answered: the same answer.
        retried = httpx.post(f"{base}/api/v1/testimonials/", json=BODY, headers=headers)

    assert len(answers) == SENDERS
    assert {a.status_code for a in answers} <= {201, 409}, [a.text for a in answers]
    made = [a for a in answers if a.status_code == 201 and "Idempotent-Replayed" not in a.headers]
    assert len(made) == 1
    for answer in answers:
        if answer.status_code == 201:
            assert answer.json() == made[0].json()
        else:
            assert answer.json()["type"] == "/api/problems/idempotency-key-in-use/"
    assert retried.status_code == 201
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert json.loads(retried.content) == made[0].json()
    assert Testimonial.objects.count() == 1
    assert WebhookEvent.objects.filter(type="testimonial.created").count() == 1

    start_worker()
    wait_until(
        lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).exists(),
        30,
        "the webhook delivered",
    )
    (arrived,) = receiver.at("/hooks")
    assert json.loads(arrived.body)["data"]["testimonial"]["id"] == made[0].json()["id"]
