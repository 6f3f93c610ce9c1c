"""When to try again: the configured schedule with jitter, and ``Retry-After``."""

from __future__ import annotations

import email.utils
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from tenacity import RetryCallState, Retrying, wait_chain, wait_random
from tenacity.wait import wait_base

from webhooks.conf import conf

# Longer than any Retry-After worth reading as one.
LONGEST_RETRY_AFTER = timedelta(days=3650)


def schedule_wait(schedule: Sequence[timedelta], jitter: float) -> wait_base:
    """Tenacity's wait strategy for the schedule: try ``n`` waits ``schedule[n-1]`` give
    or take ``jitter`` of it, so receivers that failed together are not retried together."""
    return wait_chain(
        *(wait_random(min=delay * (1 - jitter), max=delay * (1 + jitter)) for delay in schedule)
    )


def next_retry_delay(
    tries: int,
    retry_after: timedelta | None = None,
    schedule: Sequence[timedelta] | None = None,
) -> timedelta | None:
    """The wait before the next try, after ``tries`` tries of ``schedule`` (by default
    WEBHOOKS_RETRY_SCHEDULE) have failed; ``None`` when it is used up. Never sooner than
    the receiver's ``Retry-After``, which is capped by WEBHOOKS_RETRY_AFTER_MAX."""
    if schedule is None:
        schedule = conf.retry_schedule
    if tries > len(schedule):
        return None
    state = RetryCallState(Retrying(), None, (), {})
    state.attempt_number = tries
    delay = timedelta(seconds=schedule_wait(schedule, conf.retry_jitter)(state))
    if retry_after is not None:
        delay = max(delay, min(retry_after, conf.retry_after_max))
    return delay


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` is either seconds or an HTTP date (RFC 9110 §10.2.3). Anything
    else, including a negative number, is ignored."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        # Bounded before timedelta (or int(), past 4,300 digits) sees it: a hostile
        # receiver's 30 digits overflowed it. WEBHOOKS_RETRY_AFTER_MAX caps it further.
        longest = int(LONGEST_RETRY_AFTER.total_seconds())
        return timedelta(seconds=min(int(value), longest) if len(value) < 12 else longest)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))
