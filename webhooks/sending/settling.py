"""What a try settles, decided once by the sender thread that made it: the delivery's
next state (succeeded, retried at a time, failed for good) and whether it stops the
endpoint's lease, with a pause of the whole endpoint when the receiver asked for one or
could not be reached. ``recording`` stores these, the ``Lease`` applies them; nothing
else decides them."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from webhooks.conf import conf
from webhooks.models import DeliveryStatus
from webhooks.sending.attempt import Outcome, Target, storable
from webhooks.sending.retry import next_retry_delay

logger = logging.getLogger(__name__)

# How long an unreachable receiver is left alone when the retry schedule is empty.
UNREACHABLE_PAUSE = timedelta(seconds=5)


@dataclass(frozen=True)
class Settlement:
    """A delivery's state after a try, bar the counters (the database adds one)."""

    status: str
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str


@dataclass(frozen=True)
class Finished:
    """One try and what it settles, decided once, by the thread that made it."""

    outcome: Outcome
    settlement: Settlement

    @property
    def endpoint_id(self) -> int:
        return self.outcome.target.endpoint_id

    @property
    def exhausted(self) -> bool:
        """Failed for good after its whole retry schedule (a 410 stops it sooner)."""
        return self.settlement.status == DeliveryStatus.FAILED and not self.outcome.gone


@dataclass(frozen=True)
class Pause:
    """The whole endpoint waits until ``until``: its other deliveries use no try."""

    endpoint_id: int
    until: datetime
    reason: str


def settle(outcome: Outcome) -> Settlement:
    tries = outcome.target.schedule_position + 1
    if outcome.succeeded:
        return Settlement(DeliveryStatus.SUCCEEDED, None, outcome.status_code, "")
    schedule = outcome.target.retry_schedule
    delay = None if outcome.gone else next_retry_delay(tries, outcome.retry_after, schedule)
    if delay is None:
        return Settlement(DeliveryStatus.FAILED, None, outcome.status_code, outcome.error)
    return Settlement(
        DeliveryStatus.PENDING, outcome.finished_at + delay, outcome.status_code, outcome.error
    )


def finish(outcome: Outcome) -> Finished:
    """The try and what it settles. Never raises: a try that cannot be settled (a bug, a
    retry date no calendar holds) is recorded as failed, with the kind of error, and its
    delivery ends failed, replayable, rather than retried on what broke; an exception here
    killed the sender thread, lost the try and held its endpoint's claim for ever."""
    try:
        return Finished(outcome, settle(outcome))
    except Exception as exc:
        unexpected(outcome.target, exc, "settling")
        error = storable(
            f"{outcome.error + '; then ' if outcome.error else ''}{internal_error(exc)}"
        )
        settled = Settlement(DeliveryStatus.FAILED, None, outcome.status_code, error)
        return Finished(replace(outcome, error=error), settled)


def halt(
    result: Finished, ordered: bool, schedule: tuple[timedelta, ...], succeeded_since: bool
) -> tuple[str, Pause | None]:
    """Why a failed try stops its endpoint's lease (empty if it does not), and the pause
    it calls for. ``succeeded_since``: a request to the receiver that started after this
    one succeeded; a timeout among successes says little about the receiver, so no pause
    for it."""
    outcome = result.outcome
    endpoint_id = result.endpoint_id
    if outcome.gone:
        return "the receiver answered 410 Gone", None
    if outcome.slow_down and outcome.retry_after is not None:
        wait = min(outcome.retry_after, conf.retry_after_max)
        status = outcome.status_code
        reason = f"the receiver answered {status} with Retry-After {wait.total_seconds():g}s"
        return reason, Pause(endpoint_id, outcome.finished_at + wait, reason)
    if outcome.unreachable and not succeeded_since:
        wait = next_retry_delay(1, schedule=schedule) or UNREACHABLE_PAUSE
        reason = f"unreachable ({outcome.error}); one request will try it again"
        return reason, Pause(endpoint_id, outcome.finished_at + wait, reason)
    if ordered and result.settlement.status == DeliveryStatus.PENDING:
        return "ordered: a failed delivery holds the ones behind it until its retry", None
    return "", None


def internal_error(exc: Exception) -> str:
    """What an attempt record says of a bug: its kind, never its text."""
    return f"internal error ({type(exc).__name__}); the worker log says where"


def unexpected(target: Target, exc: Exception, doing: str) -> None:
    """Logs where a bug happened, not what it said: an exception's text may quote what
    was being sent (a header value, the URL)."""
    logger.error(
        "webhook delivery %s: unexpected %s while %s (its message is not logged)\n%s",
        target.delivery_id,
        type(exc).__name__,
        doing,
        "".join(traceback.format_tb(exc.__traceback__)),
        extra=target.log_ids(),
    )
