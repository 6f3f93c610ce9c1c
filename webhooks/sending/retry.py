"""When to try again: the configured schedule with jitter, and ``Retry-After``.

A retry here is a row's ``next_attempt_at``, not a loop in this process, so tenacity is
asked only for its wait strategy's draw, through its public API: a ``Retrying`` whose
one retry records the wait it would have slept (``jittered``).
"""

from __future__ import annotations

import email.utils
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from tenacity import Retrying, retry_if_result, stop_after_attempt, wait_random

from webhooks.conf import conf

# Longer than any Retry-After worth reading as one.
LONGEST_RETRY_AFTER = timedelta(days=3650)


def jittered(delay: timedelta, jitter: float) -> timedelta:
    """``delay`` give or take ``jitter`` of it, drawn evenly by tenacity's
    ``wait_random``: so receivers that failed together are not retried together."""
    _draw(delay.total_seconds(), jitter)(_nothing)
    return timedelta(seconds=_drawn.wait)


# What the last draw of this thread's would-be sleep was.
_drawn = threading.local()


def _record(seconds: float) -> None:
    _drawn.wait = seconds


def _nothing() -> None:
    return None


@lru_cache(maxsize=256)
def _draw(seconds: float, jitter: float) -> Retrying:
    """A retrying of ``_nothing`` that retries once, recording (not sleeping) its wait.
    One per delay of the schedules in use: building one costs most of a draw."""
    return Retrying(
        wait=wait_random(min=seconds * (1 - jitter), max=seconds * (1 + jitter)),
        retry=retry_if_result(lambda _: True),
        stop=stop_after_attempt(2),
        sleep=_record,
        retry_error_callback=lambda _: None,
    )


def next_retry_delay(
    tries: int,
    retry_after: timedelta | None = None,
    schedule: Sequence[timedelta] | None = None,
) -> timedelta | None:
    """The wait before the next try, after ``tries`` tries of ``schedule`` (by default
    WEBHOOKS_RETRY_SCHEDULE) have failed, give or take WEBHOOKS_RETRY_JITTER; ``None``
    when it is used up. Never sooner than the receiver's ``Retry-After``, which is
    capped by WEBHOOKS_RETRY_AFTER_MAX."""
    if schedule is None:
        schedule = conf.retry_schedule
    if tries > len(schedule) or tries < 1:
        return None
    delay = jittered(schedule[tries - 1], conf.retry_jitter)
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
