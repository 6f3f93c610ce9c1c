"""Scheduling for real receivers (SPEC §6), with HTTP faked at the transport and the
dispatcher on a clock the test moves (``tests/support/clock.py``): requests in flight per
endpoint and per worker, rate limits, pauses, order, fairness, and what a dispatcher does
when its endpoints change under it. Waiting for a rate limit, a turn, a lease's renewal
or a check of the endpoints moves the clock; only a slow receiver takes real time, since
its requests must overlap."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from itertools import pairwise

import httpx
import pytest
from django.utils import timezone
from pytest_django import Settings

from tests.support.clock import FakeClock
from tests.support.dispatching import step_until
from tests.support.factories import make_endpoint
from tests.support.fake_http import FakeReceiver
from tests.support.waiting import wait_until
from webhooks import endpoint_actions
from webhooks.delivery_log import replay
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookWorker
from webhooks.publishing import outbox
from webhooks.sending import claims, holder, http_transport
from webhooks.sending.dispatcher import Dispatcher

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Timeline:
    """A receiver answering after ``delay`` seconds, noting when each request started and
    ended (on the dispatcher's clock) and how many were in flight at once, per host."""

    clock: FakeClock
    delay: float = 0.0
    statuses: dict[str, list[int]] = field(default_factory=dict)  # per host, in order
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    spans: list[tuple[str, str, float, float]] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host, started = request.url.host, self.clock.monotonic()
        with self.lock:
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            self.peak[host] = max(self.peak.get(host, 0), self.in_flight[host])
            script = self.statuses.get(host) or [200]
            status = script.pop(0) if len(script) > 1 else script[0]
        time.sleep(self.delay)
        with self.lock:
            self.in_flight[host] -= 1
            self.spans.append((host, _sequence(request), started, self.clock.monotonic()))
        return httpx.Response(status, headers=self.headers.get(host, {}), text="ok")

    def starts(self, host: str) -> list[float]:
        return sorted(start for h, _, start, _ in self.spans if h == host)

    def order(self, host: str) -> list[str]:
        return [n for h, n, _, _ in sorted(self.spans, key=lambda s: s[2]) if h == host]


def _sequence(request: httpx.Request) -> str:
    return str(json.loads(request.content)["data"].get("n", "?"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def dispatcher(clock: FakeClock) -> Iterator[Dispatcher]:
    running = Dispatcher(clock)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def timeline(monkeypatch: pytest.MonkeyPatch, settings: Settings, clock: FakeClock) -> Timeline:
    settings.WEBHOOKS_RETRY_SCHEDULE = "5s,1m"
    settings.WEBHOOKS_RETRY_JITTER = 0
    answers = Timeline(clock)
    fake = FakeReceiver()
    fake.answer("a.example.com", answers)
    fake.answer("b.example.com", answers)
    fake.answer("c.example.com", answers)
    monkeypatch.setattr(http_transport, "new_client", fake.client)
    return answers


def publish(count: int, endpoint: WebhookEndpoint, start: int = 0) -> None:
    for n in range(start, start + count):
        outbox.publish("testimonial.created", partial(dict, n=n), endpoint_ids=[endpoint.pk])


def all_sent(endpoint: WebhookEndpoint) -> Callable[[], bool]:
    return lambda: not WebhookDelivery.objects.filter(endpoint=endpoint, status="pending").exists()


def test_a_slow_receiver_gets_up_to_max_in_flight_requests_at_once(
    timeline: Timeline, dispatcher: Dispatcher
) -> None:
    timeline.delay = 0.05
    endpoint = make_endpoint(url="https://a.example.com/", max_in_flight=4)
    publish(24, endpoint)

    step_until(dispatcher, all_sent(endpoint))

    assert timeline.peak["a.example.com"] == 4
    assert WebhookDelivery.objects.filter(status="succeeded").count() == 24


def test_a_fast_receiver_keeps_one_request_in_flight(
    timeline: Timeline, dispatcher: Dispatcher
) -> None:
    """More threads would only fight over the interpreter lock (see sending.lease)."""
    endpoint = make_endpoint(url="https://a.example.com/", max_in_flight=8)
    publish(40, endpoint)

    step_until(dispatcher, all_sent(endpoint))

    assert timeline.peak["a.example.com"] == 1


def test_a_worker_shares_its_requests_in_flight_among_its_endpoints(
    timeline: Timeline, dispatcher: Dispatcher, settings: Settings
) -> None:
    settings.WEBHOOKS_WORKER_MAX_IN_FLIGHT = 4
    timeline.delay = 0.05
    first = make_endpoint(url="https://a.example.com/", max_in_flight=10)
    second = make_endpoint(url="https://b.example.com/", max_in_flight=10)
    publish(16, first)
    publish(16, second)

    step_until(dispatcher, lambda: all_sent(first)() and all_sent(second)())

    assert timeline.peak == {"a.example.com": 2, "b.example.com": 2}


def test_requests_start_no_closer_than_the_rate_limit_allows(
    timeline: Timeline, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    endpoint = make_endpoint(url="https://a.example.com/", rate_limit=20)
    publish(8, endpoint)

    step_until(dispatcher, all_sent(endpoint))

    starts = timeline.starts("a.example.com")
    gaps = [later - earlier for earlier, later in pairwise(starts)]
    assert len(starts) == 8
    # Seen from the receiver, a sender thread that starts late (a busy machine: CI runs
    # both database passes at once) shortens the gap after it by as much as it lengthens
    # the one before. So: every gap near 50 ms, and the run no faster than 20/s overall.
    # Without the limit, the 8 requests all start within a few milliseconds.
    assert min(gaps) >= 0.035, gaps
    assert starts[-1] - starts[0] >= 7 * 0.05 - 0.005, gaps
    assert clock.jumped > 0, "the sender waited on the clock, not for real"


def test_the_rate_limit_carries_over_to_the_next_dispatcher(
    timeline: Timeline, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    endpoint = make_endpoint(url="https://a.example.com/", rate_limit="0.5")
    publish(1, endpoint)
    step_until(dispatcher, all_sent(endpoint))
    step_until(dispatcher, lambda: not dispatcher.leases.all())  # released
    endpoint.refresh_from_db()
    (sent_at,) = timeline.starts("a.example.com")
    assert endpoint.rate_limited_until is not None
    assert endpoint.rate_limited_until > clock.now(), "handed on: the next request's moment"

    publish(1, endpoint, start=1)
    other = Dispatcher(clock)
    try:
        step_until(other, all_sent(endpoint))
    finally:
        other.close()

    assert timeline.starts("a.example.com")[1] - sent_at >= 1.99


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_pauses_the_whole_endpoint_and_its_others_use_no_try(
    timeline: Timeline, dispatcher: Dispatcher, status: int, clock: FakeClock
) -> None:
    timeline.statuses["a.example.com"] = [status, 200]
    timeline.headers["a.example.com"] = {"retry-after": "30"}
    endpoint = make_endpoint(url="https://a.example.com/", max_in_flight=1)
    publish(3, endpoint)

    dispatcher.run_until_idle(timeout=5)

    assert len(timeline.spans) == 1, "nothing else is sent while the endpoint is paused"
    endpoint.refresh_from_db()
    assert endpoint.is_paused()
    assert endpoint.paused_until is not None
    assert timedelta(seconds=28) < endpoint.paused_until - clock.now() <= timedelta(seconds=30)
    assert endpoint.pause_reason == f"the receiver answered {status} with Retry-After 30s"
    tried, *waiting = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")
    assert tried.attempts == 1
    assert [d.attempts for d in waiting] == [0, 0]
    assert claims.peek(10, (), clock.now()) == [], "not claimable while paused"

    endpoint_actions.resume(endpoint)
    dispatcher.run_until_idle(timeout=5)
    assert [d.status for d in WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")] == [
        "pending",  # the one that got the Retry-After waits for its own retry
        "succeeded",
        "succeeded",
    ]


def test_a_429_without_retry_after_pauses_nothing(
    timeline: Timeline, dispatcher: Dispatcher
) -> None:
    timeline.statuses["a.example.com"] = [429, 200]
    endpoint = make_endpoint(url="https://a.example.com/", max_in_flight=1)
    publish(3, endpoint)

    dispatcher.run_until_idle(timeout=5)

    endpoint.refresh_from_db()
    assert not endpoint.is_paused()
    assert len(timeline.spans) == 3


def test_an_endpoint_that_was_failing_is_probed_with_one_request_first(
    timeline: Timeline, dispatcher: Dispatcher
) -> None:
    timeline.delay = 0.05
    endpoint = make_endpoint(url="https://a.example.com/", max_in_flight=5)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=3)
    publish(10, endpoint)

    step_until(dispatcher, all_sent(endpoint))

    spans = sorted(timeline.spans, key=lambda s: s[2])
    assert spans[1][2] >= spans[0][3], "the second request waited for the first answer"
    assert timeline.peak["a.example.com"] > 1, "then it opened up"


def test_an_ordered_endpoint_sends_one_at_a_time_and_a_failure_holds_the_rest(
    timeline: Timeline, dispatcher: Dispatcher, settings: Settings
) -> None:
    settings.WEBHOOKS_RETRY_SCHEDULE = "0.2s"
    timeline.delay = 0.01
    timeline.statuses["a.example.com"] = [200, 500, 200]
    endpoint = make_endpoint(url="https://a.example.com/", ordered=True, max_in_flight=10)
    publish(5, endpoint)

    step_until(dispatcher, all_sent(endpoint))

    assert timeline.order("a.example.com") == ["0", "1", "1", "2", "3", "4"]
    assert timeline.peak["a.example.com"] == 1


def test_an_ordered_delivery_that_runs_out_of_retries_lets_the_next_go(
    timeline: Timeline, dispatcher: Dispatcher, settings: Settings
) -> None:
    settings.WEBHOOKS_RETRY_SCHEDULE = "0.1s"
    timeline.statuses["a.example.com"] = [200, 500, 500, 200]
    endpoint = make_endpoint(url="https://a.example.com/", ordered=True)
    publish(3, endpoint)

    step_until(dispatcher, all_sent(endpoint))

    assert timeline.order("a.example.com") == ["0", "1", "1", "2"]
    statuses = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")
    assert [d.status for d in statuses] == ["succeeded", "failed", "succeeded"]


def test_a_replayed_delivery_of_an_ordered_endpoint_goes_before_newer_ones(
    timeline: Timeline, dispatcher: Dispatcher
) -> None:
    endpoint = make_endpoint(url="https://a.example.com/", ordered=True)
    publish(2, endpoint)
    step_until(dispatcher, all_sent(endpoint))
    first = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id").first()
    assert first is not None

    replay.replay([first.pk])
    publish(1, endpoint, start=2)
    step_until(dispatcher, all_sent(endpoint))

    assert timeline.order("a.example.com") == ["0", "1", "0", "2"]


def test_first_tries_are_not_held_up_by_a_pile_of_due_retries(
    timeline: Timeline, dispatcher: Dispatcher
) -> None:
    endpoint = make_endpoint(url="https://a.example.com/", max_in_flight=1)
    publish(6, endpoint)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    WebhookDelivery.objects.update(schedule_position=1, attempts=1, next_attempt_at=an_hour_ago)
    publish(3, endpoint, start=6)

    step_until(dispatcher, all_sent(endpoint))

    order = timeline.order("a.example.com")
    assert order[:6] == ["6", "0", "7", "1", "8", "2"], "every other one is a first try"


def test_with_no_free_place_an_endpoint_waiting_gets_a_turn(
    timeline: Timeline, dispatcher: Dispatcher, settings: Settings, clock: FakeClock
) -> None:
    settings.WEBHOOKS_CONCURRENCY = 1  # one endpoint at a time
    timeline.delay = 0.02
    busy = make_endpoint(url="https://a.example.com/", max_in_flight=1)
    quiet = make_endpoint(url="https://b.example.com/")
    publish(200, busy)
    dispatcher.step()  # the busy one is claimed first
    assert dispatcher.leases.ids() == {busy.pk}
    publish(1, quiet)
    clock.advance(holder.TURN_SECONDS)

    step_until(dispatcher, all_sent(quiet), timeout=5)

    assert WebhookDelivery.objects.filter(endpoint=busy, status="pending").count() > 100


def test_a_dispatcher_hands_on_what_exceeds_its_share_when_another_starts(
    timeline: Timeline, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    timeline.delay = 0.05
    endpoints = [make_endpoint(url=f"https://{h}.example.com/") for h in "abc"]
    for endpoint in endpoints:
        publish(50, endpoint)
    dispatcher.step()
    assert len(dispatcher.leases.all()) == 3, "alone, it takes every endpoint"

    WebhookWorker.objects.create(name="another", seen_at=timezone.now() + timedelta(hours=1))
    clock.advance(holder.CHECK_SECONDS)  # the next look at who is alive
    dispatcher.round()

    reasons = [lease.stop_reason for lease in dispatcher.leases.all()]
    assert sorted(reasons) == ["", "", "another worker takes it over"]


def test_an_endpoint_changed_while_held_is_sent_to_as_it_is_now(
    timeline: Timeline, dispatcher: Dispatcher, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    arrived, answer = threading.Event(), threading.Event()

    def held_back(request: httpx.Request) -> httpx.Response:
        arrived.set()
        answer.wait(5)
        return timeline(request)

    fake = FakeReceiver()
    fake.answer("a.example.com", held_back)
    fake.answer("b.example.com", timeline)
    monkeypatch.setattr(http_transport, "new_client", fake.client)
    endpoint = make_endpoint(url="https://a.example.com/", rate_limit=5, max_in_flight=1)
    publish(3, endpoint)
    dispatcher.step()
    wait_until(arrived.is_set, 5, "the first request")  # the other two wait behind it
    endpoint.refresh_from_db()
    endpoint.url = "https://b.example.com/"
    endpoint.rate_limit = None
    endpoint.save()
    clock.advance(holder.CHECK_SECONDS)
    dispatcher.round()  # notices the change: the two waiting are put back
    answer.set()

    step_until(dispatcher, all_sent(endpoint))

    assert len(timeline.starts("a.example.com")) == 1
    assert len(timeline.starts("b.example.com")) == 2


def test_an_endpoint_deleted_mid_request_does_not_stop_the_dispatcher(
    timeline: Timeline, dispatcher: Dispatcher
) -> None:
    timeline.delay = 0.3
    doomed = make_endpoint(url="https://a.example.com/")
    other = make_endpoint(url="https://b.example.com/")
    publish(1, doomed)
    dispatcher.step()
    wait_until(lambda: timeline.in_flight.get("a.example.com"), 5, "the request")
    doomed.delete()
    publish(1, other)

    step_until(dispatcher, all_sent(other))

    assert WebhookDelivery.objects.get().status == "succeeded"


def test_a_claim_taken_over_by_another_dispatcher_stops_this_ones_sending(
    timeline: Timeline, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    timeline.delay = 0.05
    endpoint = make_endpoint(url="https://a.example.com/", max_in_flight=1)
    publish(100, endpoint)
    dispatcher.step()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(claimed_by="someone else")
    clock.advance(holder.send_window() / 3)  # time to renew

    dispatcher.round()

    assert dispatcher.leases.all() == []
    endpoint.refresh_from_db()
    assert endpoint.claimed_by == "someone else", "not released: it is not this one's"


def test_workers_say_they_are_alive_and_leave_when_they_stop(
    timeline: Timeline, clock: FakeClock
) -> None:
    running = Dispatcher(clock)
    running.step()
    assert list(WebhookWorker.objects.values_list("name", flat=True)) == [running.owner]

    running.close()

    assert not WebhookWorker.objects.exists()


def test_an_endpoint_still_claimed_sends_with_a_secret_rotated_a_moment_before(
    timeline: Timeline,
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
) -> None:
    settings.WEBHOOKS_POLL_INTERVAL = "0s"  # read again at once after an empty read
    signatures: list[str] = []
    real = timeline.__call__

    def noting(request: httpx.Request) -> httpx.Response:
        signatures.append(request.headers["webhook-signature"])
        return real(request)

    fake = FakeReceiver()
    fake.answer("a.example.com", noting)
    monkeypatch.setattr(http_transport, "new_client", fake.client)
    endpoint = make_endpoint(url="https://a.example.com/")
    publish(1, endpoint)
    dispatcher.claim_round()  # claimed, read, sent
    wait_until(lambda: timeline.spans, 5, "the first request")
    dispatcher.claim_round()  # found nothing more; its result is not recorded yet
    (lease,) = dispatcher.leases.all()
    assert lease.found_nothing

    endpoint_actions.rotate_secret(endpoint)
    publish(1, endpoint, start=1)
    dispatcher.claim_round()  # finds it, sees the endpoint changed: claimed again first

    assert lease.stop_reason == "the endpoint changed"
    step_until(dispatcher, all_sent(endpoint))
    assert [len(s.split()) for s in signatures] == [1, 2], "the new and the previous secret"
