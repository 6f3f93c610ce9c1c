"""The failure streak by when tries happened (``health.Streak``), whatever the order
their results are recorded in: a property over any tries split into two rounds recorded
either way round."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from webhooks.sending.attempt import Outcome, Target
from webhooks.sending.health import Streak

START = datetime(2026, 12, 7, 13, 52, tzinfo=UTC)
TARGET = Target(
    delivery_id=1,
    endpoint_id=1,
    url="https://hooks.example.com/",
    secrets=[],
    custom_headers={},
    webhook_id="msg_1",
    body=b"{}",
    schedule_position=0,
)


def a_try(started_ms: int, took_ms: int, succeeded: bool) -> Outcome:
    started = START + timedelta(milliseconds=started_ms)
    outcome = Outcome(TARGET, started, took_ms, {}, 200 if succeeded else 500)
    return replace(outcome, finished_at=started + timedelta(milliseconds=took_ms))


tries = st.lists(
    st.builds(a_try, st.integers(0, 10_000), st.integers(1, 5_000), st.booleans()),
    max_size=12,
)
NONE = Streak(None, 0, None, None)


@given(tries, st.data())
def test_a_streak_counts_only_failures_that_began_after_the_last_success(
    made: list[Outcome], data: st.DataObject
) -> None:
    first = data.draw(st.lists(st.sampled_from(range(len(made))), unique=True)) if made else []
    one = [made[n] for n in first]
    other = [made[n] for n in range(len(made)) if n not in first]
    last_success = max((t.finished_at for t in made if t.succeeded), default=None)
    after_it = [
        t
        for t in made
        if not t.succeeded and (last_success is None or t.started_at >= last_success)
    ]

    for rounds in ((one, other), (other, one)):
        streak = NONE
        for recorded in rounds:
            streak = streak.after(recorded)
        assert streak.last_success_at == last_success
        assert streak.consecutive_failures <= len(after_it)
        if not after_it:
            assert (streak.consecutive_failures, streak.failing_since) == (0, None)
    # Recorded at once, it is exact.
    whole = NONE.after(made)
    assert whole.consecutive_failures == len(after_it)
    assert whole.failing_since == min((t.started_at for t in after_it), default=None)
