"""The sender never loses a try: an exception while sending or settling one is recorded
as a failed attempt with the kind of error, and the endpoint's place is released.

Before, a retry schedule of ``3000000d`` overflowed the date of the next try while the
try was being settled: the sender thread died, the try was never recorded (the delivery
stayed pending with 0 attempts after the receiver got it) and the endpoint's claim was
renewed for ever, holding one of the dispatcher's places."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.utils import timezone
from pytest_django import Settings

from tests.support.dispatching import step_until
from tests.support.factories import make_endpoint, make_testimonial
from tests.support.fake_http import FakeReceiver
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.sending import http_transport, settling
from webhooks.sending.attempt import Outcome, Target
from webhooks.sending.dispatcher import Dispatcher
from webhooks.sending.retry import parse_retry_after

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> FakeReceiver:
    settings.WEBHOOKS_RETRY_SCHEDULE = "5s,1m"
    fake = FakeReceiver()
    fake.answer("broken.example.com", httpx.Response(500))
    monkeypatch.setattr(http_transport, "new_client", fake.client)
    return fake


def test_a_try_that_cannot_be_settled_is_recorded_and_its_place_released(
    receiver: FakeReceiver,
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    said = "date value " + "out of range"  # built here: a traceback quotes the raising line

    def overflowing(*args: object, **kwargs: object) -> timedelta:
        raise OverflowError(said)

    monkeypatch.setattr(settling, "next_retry_delay", overflowing)
    caplog.set_level(logging.ERROR)
    broken = make_endpoint(url="https://broken.example.com/")
    fine = make_endpoint(url="https://fine.example.com/")
    make_testimonial()

    def settled() -> bool:
        return not WebhookDelivery.objects.filter(status="pending").exists()

    step_until(dispatcher, settled)
    lost = WebhookDelivery.objects.get(endpoint=broken)
    assert (lost.status, lost.attempts, lost.last_status_code) == ("failed", 1, 500)
    (attempt,) = DeliveryAttempt.objects.filter(delivery=lost)
    assert attempt.status_code == 500
    assert attempt.error == (
        "HTTP 500 Internal Server Error; then internal error (OverflowError); the worker "
        "log says where"
    )
    assert WebhookDelivery.objects.get(endpoint=fine).status == "succeeded"
    assert "unexpected OverflowError while settling" in caplog.text
    assert said not in caplog.text  # the kind, never the text

    # Its place is released: the endpoint is claimed again for its next event.
    step_until(dispatcher, lambda: not WebhookEndpoint.objects.get(pk=broken.pk).claimed_by)
    make_testimonial()
    step_until(dispatcher, settled)
    assert len(receiver.to("broken.example.com")) == 2
    assert len(receiver.to("fine.example.com")) == 2


def test_settling_never_raises() -> None:
    """The date of the next try past the calendar's end: the try is failed, not lost."""
    a_day = (timedelta(days=1),)
    target = Target(1, 1, "https://a.example.com/", [], {}, "msg", b"{}", 0, retry_schedule=a_day)
    far = Outcome(target, timezone.now(), 5, {}, status_code=503, error="HTTP 503")
    # The calendar's last moment: any delay overflows, whatever the time of day and the
    # jitter (a day shortened by its jitter fitted into the last day before 01:00 UTC).
    far.finished_at = datetime.max.replace(tzinfo=UTC)

    result = settling.finish(far)

    assert result.settlement.status == "failed"
    assert "internal error (OverflowError)" in result.outcome.error


@pytest.mark.parametrize("value", ["9" * 30, "99999999999999", "9" * 5000])
def test_a_retry_after_no_date_can_hold_is_capped_not_an_error(value: str) -> None:
    """A hostile receiver's ``Retry-After`` overflowed timedelta inside the try."""
    assert parse_retry_after(value, timezone.now()) == timedelta(days=3650)
