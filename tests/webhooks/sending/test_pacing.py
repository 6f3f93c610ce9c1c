"""An endpoint's rate limit and its receiver's latency, as plain values on a clock's
moments: no dispatcher, no threads, no waiting."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from webhooks.sending.pacing import SLOW_RECEIVER_SECONDS, RateLimit, ReceiverLatency


def test_requests_start_one_interval_apart_however_fast_they_are_asked_for() -> None:
    rate = RateLimit(per_second=4, handed_on=None, moment=100.0)
    starts = []
    moment = 100.0
    for _ in range(5):
        moment = max(moment, rate.next_start)  # a sender waits until then
        starts.append(moment)
        rate.started(moment)

    assert starts == [100.0, 100.25, 100.5, 100.75, 101.0]


def test_a_request_after_a_quiet_spell_starts_at_once() -> None:
    rate = RateLimit(per_second=1, handed_on=None, moment=0.0)
    rate.started(0.0)

    assert rate.next_start == 1.0
    rate.started(30.0)
    assert rate.next_start == 31.0, "the quiet spell is not saved up for a burst"


def test_the_next_free_moment_is_handed_on_and_taken_up() -> None:
    now = timezone.now()
    rate = RateLimit(per_second=0.5, handed_on=None, moment=10.0)
    rate.started(10.0)

    handed_on = rate.until(10.5, now)

    assert handed_on == now + timedelta(seconds=1.5)
    next_holder = RateLimit(0.5, (handed_on - now).total_seconds(), moment=500.0)
    assert next_holder.next_start == 501.5
    assert rate.until(12.0, now) is None, "past it: nothing to hand on"


def test_without_a_rate_limit_nothing_waits_and_nothing_is_handed_on() -> None:
    rate = RateLimit(per_second=None, handed_on=3.0, moment=10.0)
    rate.started(10.0)

    assert rate.next_start == 0.0
    assert rate.until(10.0, timezone.now()) is None


def test_a_receiver_is_judged_by_the_quick_end_of_its_answers() -> None:
    latency = ReceiverLatency()
    judged = [latency.slow]  # nothing answered yet counts as fast

    for _ in range(31):
        latency.answered(0.2)
    latency.answered(0.001)  # one quick answer (a cache, a fresh connection) among slow ones
    judged.append(latency.slow)

    for _ in range(8):
        latency.answered(SLOW_RECEIVER_SECONDS / 2)
    judged.append(latency.slow)  # an eighth of its last answers were quick

    assert judged == [False, True, False]
