"""Recording a round of results: one the database refuses does not stall the others, and
an unavailable database keeps the whole round for later."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from tests.support.factories import make_delivery, make_endpoint, make_outcome
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.sending import recording, settling, storing
from webhooks.sending.attempt import Outcome

pytestmark = pytest.mark.django_db

POISON = "refused by the database"


def result(delivery: WebhookDelivery, body: str = "ok") -> settling.Finished:
    return settling.finish(make_outcome(delivery, body=body))


@pytest.fixture
def refusing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The database refuses any attempt whose response body is POISON (as PostgreSQL
    refused a NUL byte before bodies were cleaned)."""
    real = storing.attempt_row

    def row(outcome: Outcome) -> DeliveryAttempt:
        attempt = real(outcome)
        if outcome.response_body == POISON:
            attempt.duration_ms = -1  # breaks the column's CHECK constraint
        return attempt

    monkeypatch.setattr(storing, "attempt_row", row)


def test_a_result_the_database_refuses_is_stored_without_the_response_and_others_go_on(
    refusing: None, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint = make_endpoint()
    healthy, poisoned, neighbour = (make_delivery(endpoint, status="pending") for _ in range(3))
    other = make_delivery(make_endpoint(url="https://other.example.com/"), status="pending")

    recording.record(
        [result(healthy), result(poisoned, POISON), result(neighbour), result(other)],
        [],
        timezone.now(),
    )

    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
    stored = DeliveryAttempt.objects.get(delivery=poisoned)
    assert (stored.status_code, stored.response_body) == (200, "")
    assert stored.error.startswith("the result of this try could not be stored (Integrity")
    assert DeliveryAttempt.objects.count() == 4
    assert "recording the results of webhook endpoint" in caplog.text


def test_results_of_deleted_deliveries_are_dropped_quietly() -> None:
    kept = make_delivery(status="pending")
    gone = make_delivery(status="pending")
    finished = [result(kept), result(gone)]
    WebhookEndpoint.objects.filter(pk=gone.endpoint_id).delete()

    recording.record(finished, [], timezone.now())

    assert list(DeliveryAttempt.objects.values_list("delivery_id", flat=True)) == [kept.pk]


def test_an_unavailable_database_keeps_the_round_for_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    delivery = make_delivery(status="pending")

    def down(*args: object) -> None:
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(storing, "store", down)

    with pytest.raises(OperationalError):
        recording.record([result(delivery)], [], timezone.now())


def test_a_pause_never_shortens_a_longer_one() -> None:
    endpoint = make_endpoint()
    now = timezone.now()
    later = now + timedelta(minutes=10)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(paused_until=later, pause_reason="x")

    recording.record([], [settling.Pause(endpoint.pk, now, "shorter")], now)

    endpoint.refresh_from_db()
    assert (endpoint.paused_until, endpoint.pause_reason) == (later, "x")


@pytest.mark.django_db(transaction=True)
def test_a_recording_round_lets_writers_commit_deliveries_to_its_endpoints() -> None:
    """PostgreSQL checks a new delivery's foreign key at COMMIT by share-locking its
    endpoint; a round holding its endpoints FOR UPDATE made that writer wait, and a writer
    that had already checked another of the round's endpoints deadlocked with it (seen in
    make bench). The round's locks must not stop a writer's COMMIT."""
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite locks the whole database file, not rows")
    first, second = make_endpoint(), make_endpoint()
    committed = threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                make_delivery(endpoint=first, status="pending")
            committed.set()
        finally:
            connections.close_all()

    with transaction.atomic():
        storing._lock_endpoints([first.pk, second.pk])
        thread = threading.Thread(target=writer)
        thread.start()
        writer_got_through = committed.wait(timeout=10)
    thread.join(timeout=10)

    assert writer_got_through
