"""Retention's pace: after each step of work it rests, so a run works only its share of
the time and the web and the senders keep the rest of the machine; it never rests past
its deadline. Driven by a fake clock: nothing here sleeps."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from pytest_django import Settings

from tests.support.factories import make_delivery, make_endpoint
from webhooks.delivery_log import pruning
from webhooks.delivery_log.expiry import WORK_SHARE, Pace
from webhooks.models import WebhookDelivery


class FakeClock:
    """Each reading advances ``tick`` (the work between two readings); a rest advances
    by what it rests."""

    def __init__(self, tick: float = 0.0) -> None:
        self.now, self.tick = 100.0, tick
        self.rests: list[float] = []

    def __call__(self) -> float:
        self.now += self.tick
        return self.now

    def sleep(self, seconds: float) -> None:
        self.rests.append(seconds)
        self.now += seconds


def paced(clock: FakeClock, **fields: Any) -> Pace:
    return Pace(clock=clock, sleep=clock.sleep, **fields)


def test_a_step_rests_so_that_work_is_its_share_of_the_time() -> None:
    clock = FakeClock()
    pace = paced(clock, share=0.4)

    with pace.step():
        clock.now += 2.0

    assert clock.rests == [pytest.approx(3.0)]  # 2 s of 5 s


def test_a_run_never_rests_past_its_deadline_and_then_is_out_of_time() -> None:
    clock = FakeClock()
    pace = paced(clock, share=0.5, deadline=101.0)

    with pace.step():
        clock.now += 0.8
    assert clock.rests == [pytest.approx(0.2)]  # not the 0.8 its share asks
    assert pace.out_of_time() is False  # exactly at the deadline
    with pace.step():
        clock.now += 0.5

    assert clock.rests == [pytest.approx(0.2)]
    assert pace.out_of_time()


def test_full_speed_never_rests_and_a_share_is_of_the_time() -> None:
    clock = FakeClock()
    with paced(clock, share=1.0).step():
        clock.now += 5.0
    assert clock.rests == []
    for share in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match="share"):
            Pace(share=share)


def test_a_budget_counts_from_now() -> None:
    pace = Pace.within(30.0)
    assert pace.deadline is not None
    assert not pace.out_of_time()
    assert Pace.within(-1.0).out_of_time()


@pytest.mark.django_db
def test_pruning_rests_after_every_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pruning, "batch_size", lambda: 2)
    endpoint = make_endpoint()
    old = timezone.now() - timedelta(days=40)
    for _ in range(5):
        make_delivery(endpoint, status="succeeded", created_at=old)
    clock = FakeClock(tick=0.01)
    cutoff = timezone.now() - timedelta(days=30)

    pruned = pruning.prune(pruning.Cutoffs(cutoff, cutoff), pace=paced(clock))

    assert (pruned.deliveries, pruned.events) == (5, 5)
    # Three batches of deliveries, the empty read that ends them, and the events'.
    assert len(clock.rests) >= 5
    assert all(rest == pytest.approx(0.01 * (1 / WORK_SHARE - 1)) for rest in clock.rests)
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_prune_webhook_log_rests_unless_told_full_speed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.WEBHOOKS_RETENTION = "30d"
    shares: list[float] = []

    def prune(cutoffs: pruning.Cutoffs, whole_days: bool, pace: Pace) -> pruning.Pruned:
        shares.append(pace.share)
        return pruning.Pruned()

    monkeypatch.setattr(pruning, "prune", prune)
    call_command("prune_webhook_log", stdout=StringIO())
    call_command("prune_webhook_log", "--full-speed", stdout=StringIO())

    assert shares == [WORK_SHARE, 1.0]
