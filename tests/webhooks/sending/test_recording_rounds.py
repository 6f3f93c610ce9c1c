"""A busy round's results are stored a batch per transaction, within a time budget, in
the order the tries started; the endpoints' health comes out as one endpoint at a time
would have it; a lease claimed while the round checks versions is left alone."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from tests.support.factories import make_delivery, make_endpoint, make_outcome
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.sending import claims, health, recording, settling
from webhooks.sending import holder as holder_module
from webhooks.sending.attempt import Outcome
from webhooks.sending.clock import SYSTEM_CLOCK
from webhooks.sending.dispatcher import Dispatcher
from webhooks.sending.recording import Recorder

pytestmark = pytest.mark.django_db


def tried(
    delivery: WebhookDelivery, status: int, seconds_ago: float, now: datetime | None = None
) -> settling.Finished:
    """A try of ``delivery`` that started ``seconds_ago`` and ended a moment later."""
    outcome = make_outcome(delivery, status)
    started = (now or timezone.now()) - timedelta(seconds=seconds_ago)
    outcome = Outcome(
        outcome.target,
        started,
        3,
        outcome.request_headers,
        status,
        finished_at=started + timedelta(milliseconds=3),
    )
    return settling.finish(outcome)


def test_batches_follow_the_order_tries_started_and_carry_the_pauses_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recording, "BATCH", 2)
    deliveries = [make_delivery(status="pending") for _ in range(5)]
    results = [tried(d, 200, seconds_ago=n) for n, d in enumerate(deliveries)]
    pause = settling.Pause(deliveries[0].endpoint_id, timezone.now(), "429")

    batches = recording.batches(results, [pause])

    assert [[r.outcome.target.delivery_id for r in b] for b, _ in batches] == [
        [deliveries[4].pk, deliveries[3].pk],
        [deliveries[2].pk, deliveries[1].pk],
        [deliveries[0].pk],
    ]
    assert [p for _, p in batches] == [[pause], [], []]
    assert recording.batches([], [pause]) == [([], [pause])]


def test_tries_of_one_delivery_in_two_batches_are_numbered_and_settled_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recording, "BATCH", 1)
    delivery = make_delivery(status="pending")
    running = Recorder(SYSTEM_CLOCK, lambda stored: None)
    running.unrecorded = [tried(delivery, 200, seconds_ago=1), tried(delivery, 500, seconds_ago=2)]

    running.store(timezone.now())

    numbers = DeliveryAttempt.objects.filter(delivery=delivery).order_by("number")
    assert [a.status_code for a in numbers] == [500, 200]
    assert [a.number for a in numbers] == [1, 2]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert running.unrecorded == []


def test_a_round_over_its_budget_leaves_the_rest_for_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recording, "BATCH", 2)
    deliveries = [make_delivery(status="pending") for _ in range(5)]
    running = Recorder(SYSTEM_CLOCK, lambda stored: None)
    running.unrecorded = [tried(d, 200, seconds_ago=n) for n, d in enumerate(deliveries)]

    running.store(timezone.now(), budget=0)  # at least one batch, whatever the budget

    assert DeliveryAttempt.objects.count() == 2
    assert len(running.unrecorded) == 3
    running.store(timezone.now())
    assert DeliveryAttempt.objects.count() == 5
    assert running.unrecorded == []


def test_batches_stored_before_the_database_went_away_are_not_stored_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recording, "BATCH", 2)
    deliveries = [make_delivery(status="pending") for _ in range(5)]
    real_record = recording.record
    calls: list[int] = []

    def down_on_the_second(
        finished: list[settling.Finished], pauses: list[settling.Pause], now: object
    ) -> None:
        calls.append(len(finished))
        if len(calls) == 2:
            raise OperationalError("server closed the connection")
        real_record(finished, pauses, timezone.now())

    monkeypatch.setattr(recording, "record", down_on_the_second)
    running = Recorder(SYSTEM_CLOCK, lambda stored: None)
    running.unrecorded = [tried(d, 200, seconds_ago=n) for n, d in enumerate(deliveries)]

    with pytest.raises(OperationalError):
        running.store(timezone.now())

    assert DeliveryAttempt.objects.count() == 2
    assert len(running.unrecorded) == 3
    running.store(timezone.now())
    assert DeliveryAttempt.objects.count() == 5
    assert set(DeliveryAttempt.objects.values_list("number", flat=True)) == {1}


def endpoint_health(endpoint: WebhookEndpoint) -> tuple[object, ...]:
    endpoint.refresh_from_db()
    return (
        endpoint.last_success_at,
        endpoint.last_failure_at,
        endpoint.consecutive_failures,
        endpoint.failing_since,
        endpoint.is_active,
    )


@pytest.mark.parametrize(
    "statuses",
    [
        {"a": [200], "b": [204, 200], "c": [200]},
        {"a": [500, 200], "b": [200, 500], "c": [503, 500]},
        {"a": [410], "b": [200]},
    ],
)
def test_a_round_leaves_each_endpoints_health_as_recording_it_alone_does(
    statuses: dict[str, list[int]],
) -> None:
    """The endpoints whose tries all succeeded share one UPDATE: the same outcome as the
    rule applied to each endpoint alone."""
    now = timezone.now()
    together: dict[int, list[Outcome]] = {}
    alone: dict[int, list[Outcome]] = {}
    for name, codes in statuses.items():
        for outcomes in (together, alone):
            endpoint = make_endpoint(url=f"https://{name}.example.com/", consecutive_failures=2)
            delivery = make_delivery(endpoint, status="pending")
            outcomes[endpoint.pk] = [
                tried(delivery, code, seconds_ago=len(codes) - n, now=now).outcome
                for n, code in enumerate(codes)
            ]

    health.record_round(together, now)
    for pk, tries in alone.items():
        health.record(pk, tries, now)

    for (pk_together, _), (pk_alone, _) in zip(together.items(), alone.items(), strict=True):
        assert endpoint_health(WebhookEndpoint.objects.get(pk=pk_together)) == endpoint_health(
            WebhookEndpoint.objects.get(pk=pk_alone)
        )


def test_a_lease_claimed_while_the_round_reads_versions_is_not_taken_for_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The claim thread adds a lease between the round's look at what it holds and its
    look at the versions: that lease has no version in hand and was stopped as
    'changed' the moment it was claimed, costing a release and a claim under load."""
    running = Dispatcher()
    held, claimed_meanwhile = make_endpoint(), make_endpoint(url="https://b.example.com/")
    now = timezone.now()
    running.leases.add(claims.snapshot(held, now), now)
    real_versions = claims.versions

    def versions_while_a_claim_lands(ids: set[int], when: object) -> object:
        found = real_versions(ids, now)
        running.leases.add(claims.snapshot(claimed_meanwhile, now), now)
        return found

    monkeypatch.setattr(claims, "versions", versions_while_a_claim_lands)
    monkeypatch.setattr(holder_module, "CHECK_SECONDS", 0.0)

    running.holder.keep(now)

    assert {lease.id: lease.stop_reason for lease in running.leases.all()} == {
        held.pk: "",
        claimed_meanwhile.pk: "",
    }
    running.close()
