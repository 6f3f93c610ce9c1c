"""Scheduling end to end (SPEC §6): real ``qcluster`` processes (two where the rule is
about the cluster), a real receiver on 127.0.0.1 answering like a slow one, the
file-backed test database, in both passes."""

from __future__ import annotations

import json
import random
import time
from functools import partial
from itertools import pairwise

import pytest
from django.db import transaction

from tests.support.factories import make_endpoint
from tests.support.receiver import Received, Receiver
from tests.support.waiting import wait_until
from tests.support.worker import StartWorker
from webhooks.delivery_log import replay
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.publishing import outbox

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def publish(endpoint: WebhookEndpoint, count: int, start: int = 0) -> None:
    with transaction.atomic():
        for n in range(start, start + count):
            outbox.publish("testimonial.created", partial(dict, n=n), endpoint_ids=[endpoint.pk])


def sequence(request: Received) -> int:
    return int(json.loads(request.body)["data"]["n"])


def all_succeeded(endpoint: WebhookEndpoint, count: int) -> bool:
    return WebhookDelivery.objects.filter(endpoint=endpoint, status="succeeded").count() == count


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + 1) for start in times)


def test_max_in_flight_holds_for_the_whole_cluster(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    receiver.hangs["/slow"] = 0.1
    endpoint = make_endpoint(url=receiver.url("/slow"), max_in_flight=4)
    publish(endpoint, 60)

    start_worker()
    start_worker()
    wait_until(lambda: all_succeeded(endpoint, 60), 60, "every delivery")

    assert 2 <= receiver.peak["/slow"] <= 4, receiver.peak


def test_a_rate_limit_holds_while_workers_take_turns_with_the_endpoint(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    limited = make_endpoint(url=receiver.url("/limited"), rate_limit=10)
    # One request at a time, 20 ms each: about 8 s of work each, so the places stay
    # contested for the limited endpoint's 4 s (with more in flight they would drain in
    # half a second, and nobody would wait for a turn).
    others = [make_endpoint(url=receiver.url(f"/busy{n}"), max_in_flight=1) for n in range(2)]
    for path in ("/busy0", "/busy1"):
        receiver.hangs[path] = 0.02
    publish(limited, 40)
    for endpoint in others:
        publish(endpoint, 400)
    # Two dispatchers with one place each for three endpoints with work: they take turns,
    # so the limited endpoint changes hands every second or so.
    env = {"Q_WORKERS": "1", "WEBHOOKS_CONCURRENCY": "1"}
    start_worker(**env)
    start_worker(**env)

    # Each claim stamps last_served_at; between turns the claim is released, and the next
    # one (by either worker) starts from the rate limit's moment stored in the database.
    claims: set[tuple[str, object]] = set()

    def done() -> bool:
        claims.update(
            WebhookEndpoint.objects.filter(pk=limited.pk)
            .exclude(claimed_by="")
            .values_list("claimed_by", "last_served_at")
        )
        return all_succeeded(limited, 40)

    wait_until(done, 60, "the limited endpoint's deliveries")

    assert len(claims) >= 2, f"the endpoint was never handed on: {claims}"
    times = [r.at for r in receiver.at("/limited")]
    assert len(times) == 40
    assert busiest_second(times) <= 11, "10 a second, give or take one arriving late"


def test_retry_after_pauses_the_endpoint_for_every_worker(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    receiver.script("/busy", 429, 200)
    receiver.retry_after["/busy"] = "2"
    endpoint = make_endpoint(url=receiver.url("/busy"), max_in_flight=1)
    publish(endpoint, 5)

    start_worker(WEBHOOKS_RETRY_SCHEDULE="1s", WEBHOOKS_RETRY_JITTER="0")
    start_worker(WEBHOOKS_RETRY_SCHEDULE="1s", WEBHOOKS_RETRY_JITTER="0")
    wait_until(lambda: all_succeeded(endpoint, 5), 30, "every delivery")

    first, second, *_ = sorted(r.at for r in receiver.at("/busy"))
    assert second - first >= 1.9, "nothing went to the endpoint during its pause"
    attempts = WebhookDelivery.objects.filter(endpoint=endpoint).values_list("attempts", flat=True)
    assert sorted(attempts) == [1, 1, 1, 1, 2], "the waiting ones used no try"


def test_an_ordered_endpoint_receives_in_event_order_through_failures_and_replays(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    chance = random.Random(7)
    # A third of the answers fail, never four in a row (the schedule allows five tries).
    statuses = [500 if chance.random() < 0.33 and n % 4 else 200 for n in range(200)]
    receiver.script("/ordered", *statuses, 200)
    endpoint = make_endpoint(url=receiver.url("/ordered"), ordered=True, max_in_flight=8)
    publish(endpoint, 30)

    env = {"WEBHOOKS_RETRY_SCHEDULE": "0.2s,0.2s,0.2s,0.2s", "WEBHOOKS_RETRY_JITTER": "0"}
    start_worker(**env)
    start_worker(**env)
    wait_until(lambda: all_succeeded(endpoint, 30), 90, "every ordered delivery")

    answered = [sequence(r) for r in receiver.at("/ordered") if r.status == 200]
    assert answered == list(range(30))
    assert 500 in [r.status for r in receiver.at("/ordered")], "failures were injected"
    assert receiver.peak["/ordered"] == 1

    fifth = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")[5]
    with transaction.atomic():
        replay.replay([fifth.pk])
        publish(endpoint, 1, start=30)
    wait_until(lambda: all_succeeded(endpoint, 31), 30, "the replay and the new event")
    answered = [sequence(r) for r in receiver.at("/ordered") if r.status == 200]
    assert answered[30:] == [5, 30], "the replayed event went first, as the older one"


def test_a_quiet_endpoint_is_served_while_others_have_a_backlog(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    busy = [make_endpoint(url=receiver.url(f"/busy{n}"), max_in_flight=1) for n in range(4)]
    for endpoint in busy:
        receiver.hangs[endpoint.url.removeprefix(receiver.base_url)] = 0.05
        publish(endpoint, 100)
    quiet = make_endpoint(url=receiver.url("/quiet"))
    # One dispatcher with two places for five endpoints with work: about ten seconds of
    # backlog for the busy ones.
    start_worker(Q_WORKERS="1", WEBHOOKS_CONCURRENCY="2")
    receiver.wait_for(lambda got: len(got) >= 20, timeout=30)

    committed = time.monotonic()
    publish(quiet, 1)
    receiver.wait_for(lambda got: any(r.path == "/quiet" for r in got), timeout=10)

    (arrived,) = receiver.at("/quiet")
    assert arrived.at - committed < 3, "it waited at most about a turn"
    assert WebhookDelivery.objects.filter(status="pending").count() > 100, "behind a backlog"
    gaps = [b - a for a, b in pairwise(sorted(r.at for r in receiver.snapshot()))]
    assert max(gaps) < 3, "the busy endpoints went on meanwhile"


def test_sigterm_ends_the_requests_in_flight_records_them_and_exits(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    receiver.hangs["/slow"] = 0.5
    endpoint = make_endpoint(url=receiver.url("/slow"), max_in_flight=4)
    publish(endpoint, 200)
    worker = start_worker()
    receiver.wait_for(lambda got: len(got) >= 8, timeout=30)  # slow: four at a time

    took = worker.stop()

    assert took < 10, f"stopping took {took:.1f}s"
    sent = {r.headers["webhook-id"] for r in receiver.at("/slow")}
    recorded = set(
        WebhookDelivery.objects.filter(endpoint=endpoint, status="succeeded").values_list(
            "event_id", flat=True
        )
    )
    assert {str(pk) for pk in recorded} == sent, "what went out is on record, nothing more"
    assert WebhookDelivery.objects.filter(endpoint=endpoint, status="pending").exists()
