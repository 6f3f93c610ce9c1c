"""One send per logged try: a lease released takes no more work, and the log numbers
every try the database is told of, even one that should never have happened."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.support.clock import FakeClock
from tests.support.factories import make_delivery, make_endpoint, make_outcome
from webhooks.models import DeliveryAttempt, WebhookDelivery
from webhooks.sending import claims, recording, settling
from webhooks.sending.clients import ClientPool
from webhooks.sending.leases import Leases

pytestmark = pytest.mark.django_db


def test_a_lease_found_done_takes_no_more_work_before_it_is_released() -> None:
    """The race behind the double sends: the round thread found a lease done; the
    claim thread, reading for idle leases, fed it a new delivery before the release;
    the next claim of the endpoint read that delivery again."""
    clock = FakeClock()
    now = clock.now()
    leases = Leases(ClientPool(), clock, lambda: None)
    lease = leases.add(claims.snapshot(make_endpoint(), now), now)
    assert lease.begin_read(pause=0.1) is not None
    lease.end_read([])  # its last read found nothing...
    clock.advance(10)  # ...long enough ago to read again

    assert leases.done() == [lease]

    assert lease.begin_read(pause=0.1) is None
    assert leases.to_read(0.1, starving_only=True) == []


def test_tries_are_numbered_from_the_log_not_from_what_the_sender_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    delivery = make_delivery(make_endpoint(), status="pending")
    stale = make_outcome(delivery, status=500)  # read while the delivery had no try
    twice = [settling.finish(make_outcome(delivery)), settling.finish(make_outcome(delivery))]

    recording.record([settling.finish(stale)], [], timezone.now())
    recording.record(twice, [], timezone.now())

    numbers = list(delivery.attempt_log.values_list("number", "status_code"))
    assert numbers == [(1, 500), (2, 200), (3, 200)]
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.status) == (3, "succeeded")
    assert "were sent 2 times in one round" in caplog.text


def test_the_database_refuses_one_number_twice() -> None:
    delivery = make_delivery(make_endpoint(), status="failed", attempts=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery, number=1, started_at=timezone.now(), duration_ms=1
        )


def test_a_retry_keeps_its_schedule_whatever_the_numbering() -> None:
    delivery = make_delivery(make_endpoint(), status="pending")
    before = timezone.now()
    recording.record([settling.finish(make_outcome(delivery, status=500))], [], before)
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at > before + timedelta(seconds=1)
    assert WebhookDelivery.objects.get().schedule_position == 1
