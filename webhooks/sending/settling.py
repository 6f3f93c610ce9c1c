"""What a try settles, decided once by the sender thread that made it: the delivery's
next state (succeeded, retried at a time, failed for good) and, when the receiver asked
for it, a pause of the whole endpoint. ``recording`` stores these; nothing else decides
them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from webhooks.models import DeliveryStatus
from webhooks.sending.attempt import Outcome
from webhooks.sending.retry import next_retry_delay


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
    return Finished(outcome, settle(outcome))
