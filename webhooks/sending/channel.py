"""One claimed endpoint inside a dispatcher: its deliveries in hand and the limits it is
sent under. Plain state, no ORM and no locking of its own: its lane's lock guards it
(``lanes.Lane.changed``).

* **Requests in flight** up to the endpoint's ``max_in_flight``; an endpoint whose last
  try failed starts with one request and opens up at the first success, so a receiver
  coming back is not hit by a burst.
* **Rate limit**: requests start at least ``1 / rate_limit`` seconds apart. The next free
  moment is handed on to the next dispatcher when the claim is released.
* **Ordered**: one request at a time, in event order; a delivery that fails and will be
  retried stops the channel, so nothing behind it goes first.
* **Stopping**: a pause (``Retry-After``, an unreachable receiver), ``410 Gone``, a lost
  claim, a changed endpoint or the end of its turn stop the channel: what it has not
  sent is put back (it was never marked in the database) and the claim is released once
  what is in flight is recorded.
"""

from __future__ import annotations

import time
from collections import deque
from datetime import datetime, timedelta

from webhooks.conf import conf
from webhooks.models import DeliveryStatus
from webhooks.sending.attempt import Target
from webhooks.sending.claims import EndpointSnapshot
from webhooks.sending.retry import next_retry_delay
from webhooks.sending.settling import Finished, Pause

# How long an unreachable receiver is left alone when the retry schedule is empty.
UNREACHABLE_PAUSE = timedelta(seconds=5)


class Channel:
    def __init__(self, endpoint: EndpointSnapshot, now: datetime) -> None:
        self.endpoint = endpoint
        self.queue: deque[Target] = deque()
        # Every delivery it is responsible for: queued, in flight, or tried but not yet
        # recorded. The next read of the endpoint's deliveries leaves these out.
        self.in_hand: set[int] = set()
        self.in_flight = 0
        self.cap = 1 if endpoint.failing else self.full_cap
        self.interval = 1 / endpoint.rate_limit if endpoint.rate_limit else 0.0
        self.next_slot = 0.0  # time.monotonic() before which no request may start
        if self.interval and endpoint.rate_limited_until is not None:
            ahead = (endpoint.rate_limited_until - now).total_seconds()
            self.next_slot = time.monotonic() + max(0.0, ahead)
        self.claimed_at = time.monotonic()
        self.stop_reason = ""
        self.found_nothing = False  # its last read found no more due deliveries
        self.read_at = 0.0
        # A read of its deliveries is under way: one at a time, or a delivery sent and
        # recorded meanwhile could come back from a read that started before.
        self.reading = False
        self._last_success_started: datetime | None = None

    @property
    def id(self) -> int:
        return self.endpoint.id

    @property
    def full_cap(self) -> int:
        return 1 if self.endpoint.ordered else self.endpoint.max_in_flight

    # -- the dispatcher's side ------------------------------------------------------

    def wants_more(self, pause: float = 0.0) -> bool:
        """Whether to read more of its deliveries now; after a read that found nothing,
        not again for ``pause`` seconds."""
        if self.stop_reason or self.reading:
            return False
        if self.found_nothing and time.monotonic() - self.read_at < pause:
            return False
        if self.endpoint.ordered:
            # Read the next stretch only once this one is sent: event order, one at a time.
            return not self.queue and not self.in_flight
        return len(self.queue) < self.full_cap

    def starving(self) -> bool:
        """It could start a request now but has nothing to send: reading for it is what
        a new event for this endpoint waits on."""
        return not self.queue and self.in_flight < self.cap

    def wanted(self) -> int:
        """How many deliveries to read: enough for a few rounds of its full width."""
        return max(2 * self.full_cap, conf.batch_size) - len(self.queue)

    def add(self, targets: list[Target]) -> None:
        self.reading = False
        self.read_at = time.monotonic()
        self.found_nothing = not targets
        if self.stop_reason:
            return  # read before it stopped: those stay in the database, due as they are
        fresh = [t for t in targets if t.delivery_id not in self.in_hand]
        self.queue.extend(fresh)
        self.in_hand.update(t.delivery_id for t in fresh)

    def recorded(self, delivery_ids: set[int]) -> None:
        self.in_hand -= delivery_ids

    def releasable(self) -> bool:
        """Done: stopped, or with nothing due, and everything recorded. Released at once
        rather than kept a while in case more comes: the broker's wake-up for a new event
        reaches any worker, not the one holding the endpoint, and keeping idle endpoints
        made the commit → receipt latency on PostgreSQL + Redis 4 times longer."""
        idle = not self.in_flight and not self.queue and not self.in_hand and not self.reading
        return idle and bool(self.stop_reason or self.found_nothing)

    def stop(self, reason: str) -> None:
        """No more requests; what is queued is put back."""
        self.stop_reason = self.stop_reason or reason
        self.in_hand -= {t.delivery_id for t in self.queue}
        self.queue.clear()

    def rate_limited_until(self, now: datetime) -> datetime | None:
        ahead = self.next_slot - time.monotonic()
        return now + timedelta(seconds=ahead) if self.interval and ahead > 0 else None

    # -- the senders' side ----------------------------------------------------------

    def ready_at(self) -> float | None:
        """When it may start its next request (``time.monotonic()``), or None: nothing
        to send, or as many requests in flight as it may have."""
        if self.stop_reason or not self.queue or self.in_flight >= self.cap:
            return None
        return self.next_slot

    def spare(self) -> int:
        """Requests it could start now, bar the rate limit."""
        return 0 if self.ready_at() is None else min(self.cap - self.in_flight, len(self.queue))

    def take(self) -> Target:
        self.in_flight += 1
        if self.interval:
            self.next_slot = max(self.next_slot, time.monotonic()) + self.interval
        return self.queue.popleft()

    def finish(self, result: Finished) -> Pause | None:
        """Takes a try's result into account; returns the pause it calls for, if any."""
        self.in_flight -= 1
        outcome = result.outcome
        if outcome.succeeded:
            self.cap = self.full_cap
            started = outcome.started_at
            if self._last_success_started is None or started > self._last_success_started:
                self._last_success_started = started
            return None
        if outcome.gone:
            self.stop("the receiver answered 410 Gone")
            return None
        if outcome.slow_down and outcome.retry_after is not None:
            wait = min(outcome.retry_after, conf.retry_after_max)
            reason = (
                f"the receiver answered {outcome.status_code} with Retry-After "
                f"{wait.total_seconds():g}s"
            )
            self.stop(reason)
            return Pause(self.id, outcome.finished_at + wait, reason)
        if outcome.unreachable and not self._succeeded_since(outcome.started_at):
            wait = next_retry_delay(1, schedule=self.endpoint.retry_schedule) or UNREACHABLE_PAUSE
            reason = f"unreachable ({outcome.error}); one request will try it again"
            self.stop(reason)
            return Pause(self.id, outcome.finished_at + wait, reason)
        if self.endpoint.ordered and result.settlement.status == DeliveryStatus.PENDING:
            self.stop("ordered: a failed delivery holds the ones behind it until its retry")
        return None

    def _succeeded_since(self, moment: datetime) -> bool:
        # A request that timed out while others to the same receiver succeeded says
        # little about the receiver: no pause for that.
        return self._last_success_started is not None and self._last_success_started >= moment
