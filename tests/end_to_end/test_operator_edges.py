"""The operator's edges with the real worker and a real receiver: muted imports send
nothing, a cancelled delivery is never tried again, replays keep the webhook-id unless
asked for a new one, an endpoint's own timeout and retry schedule apply, and a delivery
keeps the format and schedule it was made with."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from django.core.management import call_command
from standardwebhooks.webhooks import Webhook

import webhooks
from tests.support.factories import make_endpoint, make_testimonial
from tests.support.receiver import Receiver
from tests.support.waiting import wait_until
from tests.support.worker import StartWorker
from webhooks import endpoint_actions
from webhooks.models import WebhookDelivery, WebhookEvent

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

RETRY = 1.0  # seconds: WEBHOOKS_RETRY_SCHEDULE of the worker below


def test_muted_imports_cancel_and_replays(receiver: Receiver, start_worker: StartWorker) -> None:
    endpoint = make_endpoint(url=receiver.url("/edges"))
    start_worker(WEBHOOKS_RETRY_SCHEDULE=f"{RETRY}s,{RETRY}s")

    # Muted: three imported testimonials record nothing; the next change is sent.
    with webhooks.muted():
        for n in range(3):
            make_testimonial(title=f"Imported {n}")
    make_testimonial(title="Live")
    receiver.wait_for(lambda got: len(got) == 1, timeout=30)
    [live] = receiver.at("/edges")
    assert (
        Webhook(endpoint.secret).verify(live.body, live.headers)["data"]["testimonial"]["title"]
        == "Live"
    )

    # Cancelled after a failed first try: its retry, due a second later, never goes.
    receiver.script("/edges", 500, 200)
    make_testimonial(title="Mistake")
    receiver.wait_for(lambda got: len(got) == 2, timeout=30)
    mistake = receiver.at("/edges")[1]
    wait_until(
        lambda: WebhookDelivery.objects.filter(status="pending", attempts=1).exists(),
        10,
        "the failed first try recorded",
    )
    call_command("cancel_webhooks", "--event", mistake.headers["webhook-id"])
    time.sleep(RETRY * 1.5)  # past the moment the retry was due: let it be missed
    endpoint_actions.send_test_event(endpoint)
    receiver.wait_for(lambda got: len(got) == 3, timeout=30)
    third = receiver.at("/edges")[2]
    assert third.headers["webhook-id"] != mistake.headers["webhook-id"]  # the test event
    cancelled = WebhookDelivery.objects.get(event_id=uuid.UUID(mistake.headers["webhook-id"]))
    assert (cancelled.status, cancelled.attempts) == ("cancelled", 1)

    # Replayed: the same webhook-id; as new: the same body under a new one.
    call_command("replay_webhooks", "--status", "cancelled")
    receiver.wait_for(lambda got: len(got) == 4, timeout=30)
    again = receiver.at("/edges")[3]
    assert again.headers["webhook-id"] == mistake.headers["webhook-id"]
    call_command("replay_webhooks", "--event", mistake.headers["webhook-id"], "--as-new")
    receiver.wait_for(lambda got: len(got) == 5, timeout=30)
    fresh = receiver.at("/edges")[4]
    assert fresh.headers["webhook-id"] != mistake.headers["webhook-id"]
    assert fresh.body == mistake.body
    assert Webhook(endpoint.secret).verify(fresh.body, fresh.headers)
    assert WebhookEvent.objects.filter(pk=fresh.headers["webhook-id"]).exists()


def test_a_failing_endpoint_is_announced_and_its_recovery_too(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    ops = make_endpoint(
        url=receiver.url("/ops"),
        description="on-call",
        event_types=["endpoint.failing", "endpoint.recovered"],
    )
    down = make_endpoint(url=receiver.url("/down"), description="CRM")
    receiver.script("/down", 500, 500, 500, 200)
    start_worker(WEBHOOKS_RETRY_SCHEDULE=f"{RETRY}s,{RETRY}s", WEBHOOKS_FAILING_AFTER="3")

    make_testimonial()  # three tries, three 500s: the streak reaches 3
    receiver.wait_for(lambda got: len([r for r in got if r.path == "/ops"]) == 1, timeout=30)
    [failing] = receiver.at("/ops")
    warned = Webhook(ops.secret).verify(failing.body, failing.headers)
    assert warned["type"] == "endpoint.failing"
    assert warned["data"]["endpoint"] == {"id": down.pk, "description": "CRM"}
    assert warned["data"]["consecutive_failures"] == 3

    endpoint_actions.send_test_event(down)  # answered 200: the streak is over
    receiver.wait_for(lambda got: len([r for r in got if r.path == "/ops"]) == 2, timeout=30)
    recovered = Webhook(ops.secret).verify(
        receiver.at("/ops")[1].body, receiver.at("/ops")[1].headers
    )
    assert recovered["type"] == "endpoint.recovered"
    assert recovered["data"]["endpoint"]["id"] == down.pk


def test_an_endpoint_keeps_its_own_timeout_schedule_and_pinned_format(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    # The worker's own settings would wait 15 s per try and minutes between them.
    tuned = make_endpoint(
        url=receiver.url("/tuned"), format="cloudevents", timeout=0.5, retry_schedule="1s,1s"
    )
    receiver.hangs["/tuned"] = 3
    pinned = make_endpoint(url=receiver.url("/pinned"), format="discord", retry_schedule="1s")
    receiver.script("/pinned", 500, 200)
    start_worker(WEBHOOKS_TIMEOUT="15", WEBHOOKS_RETRY_SCHEDULE="5m,1h")

    make_testimonial(title="Tuned")
    receiver.wait_for(lambda got: len([r for r in got if r.path == "/pinned"]) == 1, timeout=30)
    # While the first try's retry waits: the endpoint's format and schedule change. The
    # pending delivery keeps what it was made with; a new one gets the new.
    pinned.format, pinned.retry_schedule = "standard", "1h"
    pinned.full_clean()
    pinned.save()
    receiver.wait_for(lambda got: len([r for r in got if r.path == "/pinned"]) == 2, timeout=30)
    first, retried = receiver.at("/pinned")
    assert retried.body == first.body
    assert "embeds" in json.loads(retried.body)
    Webhook(pinned.secret).verify(retried.body, retried.headers)

    # The tuned endpoint: three tries, each cut off at 0.5 s, a second apart, then failed.
    wait_until(
        lambda: WebhookDelivery.objects.filter(endpoint=tuned, status="failed").exists(),
        30,
        "the tuned endpoint's delivery failed after its own schedule",
    )
    delivery = WebhookDelivery.objects.get(endpoint=tuned)
    tries = list(delivery.attempt_log.order_by("number"))
    assert delivery.attempts == len(tries) == 3
    assert all(t.status_code is None and t.duration_ms < 2000 for t in tries), [
        (t.duration_ms, t.error) for t in tries
    ]
    requests = receiver.at("/tuned")
    assert len({r.body for r in requests}) == 1
    for request in requests:
        assert request.headers["content-type"] == "application/cloudevents+json"
        event = from_http_event(HTTPMessage(request.headers, request.body))
        assert event.get_id() == request.headers["webhook-id"] == str(delivery.event_id)
        assert Webhook(tuned.secret).verify(request.body, request.headers)

    make_testimonial(title="After the change")
    receiver.wait_for(lambda got: len([r for r in got if r.path == "/pinned"]) == 3, timeout=30)
    after = receiver.at("/pinned")[2]
    assert json.loads(after.body)["type"] == "testimonial.created"  # standard now
