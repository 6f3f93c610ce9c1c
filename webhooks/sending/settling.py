"""What a try settles, decided once by the sender thread that made it: the delivery's
next state (succeeded, retried at a time, failed for good) and, when the receiver asked
for it, a pause of the whole endpoint. ``recording`` stores these; nothing else decides
them."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, replace
from datetime import datetime

from webhooks.models import DeliveryStatus
from webhooks.sending.attempt import Outcome, Target, storable
from webhooks.sending.retry import next_retry_delay

logger = logging.getLogger(__name__)


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
