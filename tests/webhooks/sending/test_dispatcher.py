"""The dispatcher: claims, sends, records, retries, disables. HTTP faked at the transport."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection
from datetime import datetime, timedelta

import httpx
import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import Settings
from standardwebhooks.webhooks import Webhook

from tests.support.dispatching import step_until
from tests.support.factories import make_delivery, make_endpoint, make_outcome, make_testimonial
from tests.support.fake_http import FakeReceiver
from tests.support.waiting import wait_until
from webhooks import endpoint_actions, tasks
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.sending import claims, http_transport, process, recording, settling
from webhooks.sending.dispatcher import Dispatcher

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> FakeReceiver:
    settings.WEBHOOKS_RETRY_SCHEDULE = "5s,1m"
    settings.WEBHOOKS_RETRY_JITTER = 0
    fake = FakeReceiver()
    monkeypatch.setattr(http_transport, "new_client", fake.client)
    return fake


def delivery_to(endpoint: WebhookEndpoint) -> WebhookDelivery:
    return WebhookDelivery.objects.filter(endpoint=endpoint).latest("id")


def make_due(*deliveries: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        next_attempt_at=timezone.now()
    )


def test_a_delivery_is_signed_sent_and_logged(
    receiver: FakeReceiver, dispatcher: Dispatcher
) -> None:
    endpoint = make_endpoint(headers={"Authorization": "Bearer abc", "X-Tenant": "acme"})
    make_testimonial()
    event = WebhookEvent.objects.get()

    dispatcher.run_until_idle()

    (request,) = receiver.requests
    assert request.method == "POST"
    assert str(request.url) == endpoint.url
    assert request.content == event.payload.encode()
    assert request.headers["webhook-id"] == str(event.id)
    assert request.headers["authorization"] == "Bearer abc"
    Webhook(endpoint.secret).verify(request.content, dict(request.headers))
    delivery = delivery_to(endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    (logged,) = DeliveryAttempt.objects.filter(delivery=delivery)
    assert (logged.number, logged.status_code, logged.error, logged.response_body) == (
        1,
        200,
        "",
        "ok",
    )
    assert logged.request_headers["Authorization"] == "[redacted]"
    assert logged.request_headers["webhook-id"] == str(event.id)
    assert endpoint.secret not in str(logged.request_headers)
    endpoint.refresh_from_db()
    assert endpoint.last_success_at is not None
    assert endpoint.consecutive_failures == 0


def test_a_5xx_is_retried_on_schedule_then_the_delivery_fails(
    receiver: FakeReceiver, dispatcher: Dispatcher
) -> None:
    endpoint = make_endpoint()
    receiver.answer("hooks.example.com", httpx.Response(503, text="down for maintenance"))
    make_testimonial()

    dispatcher.run_until_idle()
    delivery = delivery_to(endpoint)
    assert (delivery.status, delivery.attempts, delivery.schedule_position) == ("pending", 1, 1)
    assert delivery.last_error == "HTTP 503 Service Unavailable"
    wait = delivery.next_attempt_at - delivery.updated_at  # type: ignore[operator]
    assert timedelta(seconds=4.9) <= wait <= timedelta(seconds=5.1)

    dispatcher.run_until_idle()
    assert len(receiver.requests) == 1, "not due yet: nothing sent"
    for _ in range(2):
        make_due(delivery)
        dispatcher.run_until_idle()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert len(receiver.requests) == 3
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [
        (1, 503),
        (2, 503),
        (3, 503),
    ]
    assert delivery.attempt_log.first().response_body == "down for maintenance"  # type: ignore[union-attr]


def test_success_after_failures(receiver: FakeReceiver, dispatcher: Dispatcher) -> None:
    endpoint = make_endpoint()
    receiver.answer("hooks.example.com", httpx.Response(500), httpx.Response(200))
    make_testimonial()

    dispatcher.run_until_idle()
    make_due(delivery_to(endpoint))
    dispatcher.run_until_idle()

    delivery = delivery_to(endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("succeeded", 2, "")
    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)
    assert endpoint.last_failure_at is not None


def test_410_fails_the_delivery_and_disables_the_endpoint(
    receiver: FakeReceiver, dispatcher: Dispatcher
) -> None:
    endpoint = make_endpoint(max_in_flight=1)
    receiver.answer("hooks.example.com", httpx.Response(410))
    testimonial = make_testimonial()
    testimonial.approve()

    dispatcher.run_until_idle()

    assert len(receiver.requests) == 1, "the rest of the batch is not sent to a gone endpoint"
    first, second = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")
    assert (first.status, first.attempts) == ("failed", 1)
    assert (second.status, second.attempts) == ("pending", 0)
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert "410 Gone" in endpoint.disabled_reason
    testimonial.archive()
    assert not WebhookEvent.objects.filter(type="testimonial.archived").exists()


def test_a_redirect_is_a_failure_and_is_not_followed(
    receiver: FakeReceiver, dispatcher: Dispatcher
) -> None:
    endpoint = make_endpoint()
    receiver.answer(
        "hooks.example.com", httpx.Response(302, headers={"location": "http://10.0.0.1/"})
    )
    make_testimonial()

    dispatcher.run_until_idle()

    assert len(receiver.requests) == 1
    delivery = delivery_to(endpoint)
    assert delivery.status == "pending"
    assert delivery.last_error == "HTTP 302: redirect to http://10.0.0.1/ not followed"


def test_retry_after_is_honoured(receiver: FakeReceiver, dispatcher: Dispatcher) -> None:
    endpoint = make_endpoint()
    receiver.answer("hooks.example.com", httpx.Response(429, headers={"retry-after": "120"}))
    make_testimonial()

    dispatcher.run_until_idle()

    delivery = delivery_to(endpoint)
    wait = delivery.next_attempt_at - delivery.updated_at  # type: ignore[operator]
    assert timedelta(seconds=119) <= wait <= timedelta(seconds=121)


def test_an_unreachable_receiver_is_paused_and_its_other_deliveries_use_no_try(
    receiver: FakeReceiver, dispatcher: Dispatcher
) -> None:
    endpoint = make_endpoint(max_in_flight=1)

    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    receiver.answer("hooks.example.com", hang)
    testimonial = make_testimonial()
    testimonial.approve()
    testimonial.feature()

    dispatcher.run_until_idle()

    assert len(receiver.requests) == 1
    tried, *waiting = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")
    assert tried.attempts == 1
    assert tried.last_error.startswith("timed out (ReadTimeout)")
    for delivery in waiting:
        assert (delivery.attempts, delivery.status) == (0, "pending")
    endpoint.refresh_from_db()
    assert endpoint.paused_until is not None
    pause = endpoint.paused_until - tried.updated_at
    assert timedelta(seconds=4.9) <= pause <= timedelta(seconds=5.1), "the first retry step"
    assert endpoint.pause_reason.startswith("unreachable (timed out (ReadTimeout)")


def test_the_response_kept_is_bounded(
    receiver: FakeReceiver, dispatcher: Dispatcher, settings: Settings
) -> None:
    settings.WEBHOOKS_RESPONSE_EXCERPT_BYTES = 100
    endpoint = make_endpoint()
    receiver.answer("hooks.example.com", httpx.Response(500, content=b"x" * 1_000_000))
    make_testimonial()

    dispatcher.run_until_idle()

    assert delivery_to(endpoint).attempt_log.get().response_body == "x" * 100


def test_an_endpoint_failing_long_enough_is_disabled_and_success_resets_the_streak(
    receiver: FakeReceiver, dispatcher: Dispatcher, settings: Settings
) -> None:
    settings.WEBHOOKS_DISABLE_AFTER = "1h"
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    failing = make_endpoint(url="https://failing.example.com/")
    healthy = make_endpoint(url="https://healthy.example.com/")
    receiver.answer("failing.example.com", httpx.Response(500))
    receiver.answer("healthy.example.com", httpx.Response(500), httpx.Response(200))
    testimonial = make_testimonial()
    dispatcher.run_until_idle()
    WebhookEndpoint.objects.update(failing_since=timezone.now() - timedelta(hours=2))

    testimonial.approve()
    dispatcher.run_until_idle()
    failing.refresh_from_db()
    assert failing.is_active is True, "2 failures are fewer than 3"
    testimonial.feature()
    dispatcher.run_until_idle()

    failing.refresh_from_db()
    healthy.refresh_from_db()
    assert (failing.is_active, failing.consecutive_failures) == (False, 3)
    assert failing.disabled_reason.startswith("Disabled automatically: every try failed for")
    assert "HTTP 500" in failing.disabled_reason
    assert (healthy.is_active, healthy.consecutive_failures, healthy.failing_since) == (
        True,
        0,
        None,
    )


def test_a_disabled_endpoint_keeps_its_pending_deliveries_until_enabled(
    receiver: FakeReceiver, dispatcher: Dispatcher
) -> None:
    endpoint = make_endpoint()
    make_testimonial()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)

    dispatcher.run_until_idle()
    assert receiver.requests == []

    endpoint.refresh_from_db()
    endpoint_actions.enable(endpoint)
    dispatcher.run_until_idle()
    assert delivery_to(endpoint).status == "succeeded"


def test_an_endpoint_claimed_by_another_dispatcher_waits_for_its_claim_to_expire(
    receiver: FakeReceiver, dispatcher: Dispatcher
) -> None:
    endpoint = make_endpoint()
    make_testimonial()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        claimed_by="elsewhere", claimed_until=timezone.now() + timedelta(seconds=30)
    )

    dispatcher.run_until_idle()
    assert receiver.requests == []

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    dispatcher.run_until_idle()
    assert delivery_to(endpoint).status == "succeeded"
    endpoint.refresh_from_db()
    assert (endpoint.claimed_by, endpoint.claimed_until) == ("", None), "released when done"


def test_a_hanging_endpoint_does_not_hold_up_the_others(
    receiver: FakeReceiver, dispatcher: Dispatcher
) -> None:
    release = threading.Event()
    slow = make_endpoint(url="https://slow.example.com/")
    fast = make_endpoint(url="https://fast.example.com/")

    def hold(request: httpx.Request) -> httpx.Response:
        release.wait(10)
        return httpx.Response(200)

    receiver.answer("slow.example.com", hold)
    testimonial = make_testimonial()

    step_until(dispatcher, lambda: delivery_to(fast).status == "succeeded")
    testimonial.approve()
    step_until(dispatcher, lambda: delivery_to(fast).status == "succeeded", timeout=2)

    assert len(receiver.to("fast.example.com")) == 2
    # The slow lane started with the first fast one but may reach the receiver later.
    step_until(dispatcher, lambda: len(receiver.to("slow.example.com")) >= 1, timeout=2)
    assert WebhookDelivery.objects.filter(endpoint=slow, status="pending").count() == 2
    slow.refresh_from_db()
    assert slow.claimed_by == dispatcher.owner
    release.set()
    dispatcher.run_until_idle()
    assert not WebhookDelivery.objects.exclude(status="succeeded").exists()


def test_claims_on_endpoints_in_hand_are_renewed(
    receiver: FakeReceiver, dispatcher: Dispatcher, settings: Settings
) -> None:
    settings.WEBHOOKS_LEASE = "0.6s"
    settings.WEBHOOKS_TIMEOUT = 0.3
    release = threading.Event()
    endpoint = make_endpoint()
    receiver.answer("hooks.example.com", lambda r: (release.wait(5), httpx.Response(200))[1])
    make_testimonial()
    dispatcher.step()
    endpoint.refresh_from_db()
    first_claim = endpoint.claimed_until

    threading.Event().wait(0.2)
    dispatcher.step()

    endpoint.refresh_from_db()
    assert first_claim is not None
    assert endpoint.claimed_until is not None
    assert endpoint.claimed_until > first_claim
    release.set()
    dispatcher.run_until_idle()


def test_closing_finishes_and_records_the_requests_in_flight_and_puts_back_the_rest(
    receiver: FakeReceiver,
) -> None:
    endpoint = make_endpoint(max_in_flight=1)
    started, release = threading.Event(), threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        started.set()
        release.wait(5)
        return httpx.Response(200)

    receiver.answer("hooks.example.com", slow)
    make_testimonial().approve()
    running = Dispatcher()
    running.step()
    assert started.wait(5)
    threading.Timer(0.2, release.set).start()

    running.close()

    first, second = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")
    assert (first.status, second.status, second.attempts) == ("succeeded", "pending", 0)
    endpoint.refresh_from_db()
    assert endpoint.claimed_by == "", "its claim is released for the next worker"


@pytest.mark.django_db(transaction=True)
def test_a_failing_round_is_logged_and_the_loop_goes_on(
    receiver: FakeReceiver, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint = make_endpoint()
    make_testimonial()
    real_claim = claims.claim
    failures = [OperationalError("database is down")]

    def flaky_claim(
        candidates: list[int], exclude: Collection[int], owner: str, now: datetime
    ) -> list[claims.EndpointSnapshot]:
        if failures:
            raise failures.pop()
        return real_claim(candidates, exclude, owner, now)

    monkeypatch.setattr(claims, "claim", flaky_claim)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    rounds = iter(range(6))
    running = Dispatcher()

    running.run(keep_running=lambda: next(rounds, None) is not None)

    assert "webhook dispatcher round failed" in caplog.text
    assert delivery_to(endpoint).status == "succeeded"


def test_the_wake_task_wakes_this_process_dispatcher(
    dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(process, "_running", dispatcher)

    tasks.wake()

    assert dispatcher.activity.is_set()


@pytest.mark.django_db(transaction=True)
def test_results_that_could_not_be_recorded_are_recorded_later_not_resent(
    receiver: FakeReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = make_endpoint()
    make_testimonial()
    real_record = recording.record
    failures = [OperationalError("database is locked")]

    def flaky_record(
        finished: list[settling.Finished], pauses: list[settling.Pause], now: datetime
    ) -> None:
        if failures and finished:
            raise failures.pop()
        real_record(finished, pauses, now)

    monkeypatch.setattr(recording, "record", flaky_record)
    running = Dispatcher()

    def step_fails() -> bool:
        try:
            running.step()
        except OperationalError:
            return True
        return False

    wait_until(step_fails, 10, "the round that cannot record")
    assert len(running.recorder.unrecorded) == 1
    running.run_until_idle()
    running.close()

    assert len(receiver.requests) == 1
    assert delivery_to(endpoint).status == "succeeded"
    assert delivery_to(endpoint).attempts == 1


def test_endpoint_rows_are_locked_in_id_order_so_recorders_cannot_deadlock() -> None:
    """Two dispatchers recording for the same endpoints in different orders deadlocked on
    PostgreSQL (seen in the benchmark): the round locks its endpoints in id order before
    it changes any, whatever order it changes them in."""
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite locks the whole database file, not rows")
    deliveries = [make_delivery(status="pending") for _ in range(3)]
    results = [settling.finish(make_outcome(deliveries[n], 500 if n else 200)) for n in (2, 0, 1)]
    table = WebhookEndpoint._meta.db_table

    with CaptureQueriesContext(connection) as queries:
        recording.record(results, [], timezone.now())

    touching = [q["sql"] for q in queries if f'"{table}"' in q["sql"]]
    first = touching[0]
    assert first.startswith("SELECT")
    assert "FOR NO KEY UPDATE" in first
    assert first.index("ORDER BY") < first.index("FOR NO KEY UPDATE")
    assert all(sql.startswith(("SELECT", "UPDATE")) for sql in touching[1:])
