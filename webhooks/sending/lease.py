"""One endpoint in a dispatcher's hands while it holds the endpoint's lease (``claims``):
its deliveries in hand, the limits it is sent under, and its own sender threads.

A lease's state changes only in its methods, and each public one takes the lease's
lock, which nothing outside sees; the ``_`` methods run with it held. No lock is shared
between endpoints, so no endpoint's requests wait behind another's (a lock taken on every
request by dozens of threads became a convoy: docs/performance.md).

* **In flight**: up to ``_limit()`` requests at once, one per sender thread: one while
  the receiver is not known to be slow (more threads only fight over the interpreter
  lock) or while a receiver whose last try failed is probed, else the endpoint's
  ``max_in_flight`` within its share of WEBHOOKS_WORKER_MAX_IN_FLIGHT. Threads are added,
  doubling, while requests wait for one; a thread over the limit ends after its request.
* **Rate limit** and the receiver's latency: ``pacing``.
* **Order**: one request at a time, in event order; a delivery that fails and will be
  retried stops the lease, so nothing behind it goes first.
* **Stopping**: a pause (``Retry-After``, an unreachable receiver), ``410 Gone``, a lost
  lease, a changed endpoint or the end of its turn. What it has not sent is put back (it
  was never marked in the database); the lease is released once what is in flight is
  recorded.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from queue import SimpleQueue

from webhooks.conf import conf
from webhooks.sending.attempt import Outcome, Target, attempt
from webhooks.sending.claims import EndpointSnapshot
from webhooks.sending.clients import ClientPool
from webhooks.sending.clock import Clock
from webhooks.sending.pacing import INFINITE, RateLimit, ReceiverLatency
from webhooks.sending.settling import Finished, Pause, finish, halt, internal_error, unexpected
from webhooks.sending.threads import ThreadReuse

# A sender thread with nothing to send for this long ends.
SENDER_IDLE_SECONDS = 60.0


@dataclass
class Senders:
    """What the sender threads of every lease in a dispatcher share."""

    clients: ClientPool
    clock: Clock
    notify: Callable[[], None]  # results are waiting to be recorded
    results: SimpleQueue[tuple[Finished, Pause | None]] = field(default_factory=SimpleQueue)
    threads: ThreadReuse = field(default_factory=lambda: ThreadReuse("webhook-sender"))
    # No request starts after this moment of the clock: the leases may run out then.
    send_until: float = INFINITE


class Lease:
    def __init__(self, endpoint: EndpointSnapshot, senders: Senders, now: datetime) -> None:
        self.endpoint = endpoint
        self._senders = senders
        self._clock = senders.clock
        self._lock = threading.Condition()
        self.claimed_at = self._clock.monotonic()
        self._queue: deque[Target] = deque()
        # Every delivery it is responsible for: queued, in flight, or tried but not yet
        # recorded. The next read of the endpoint's deliveries leaves these out.
        self._in_hand: set[int] = set()
        self._in_flight = 0
        self._probing = endpoint.failing
        self._share = endpoint.max_in_flight  # of the worker's requests in flight
        handed_on = endpoint.rate_limited_until
        ahead = (handed_on - now).total_seconds() if handed_on is not None else None
        self._rate = RateLimit(endpoint.rate_limit, ahead, self.claimed_at)
        self._latency = ReceiverLatency()
        self._stop_reason = ""
        self._found_nothing = False  # its last read found no more due deliveries
        self._read_at = 0.0
        # A read of its deliveries is under way: one at a time, or a delivery sent and
        # recorded meanwhile could come back from a read that started before.
        self._reading = False
        self._last_success_started: datetime | None = None
        self._threads = 0
        self._idle = 0  # threads waiting for work
        self._closed = False

    @property
    def id(self) -> int:
        return self.endpoint.id

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def stop_reason(self) -> str:
        return self._stop_reason

    @property
    def found_nothing(self) -> bool:
        return self._found_nothing

    # -- the dispatcher's side ------------------------------------------------------

    def wants_reading(self, pause: float, starving_only: bool = False) -> bool:
        """Whether to read more of its deliveries now (after a read that found nothing,
        not again for ``pause`` seconds); with ``starving_only``, only if it could start
        a request now but has nothing to send, which is what a new event waits on."""
        with self._lock:
            starving = not self._queue and self._in_flight < self.endpoint.max_in_flight
            return self._wants_more(pause) and (starving or not starving_only)

    def begin_read(self, pause: float) -> tuple[set[int], int] | None:
        """Marks a read as under way and returns the ids it must not get again and how
        many it wants (a few rounds of its full width); None if it wants none now."""
        with self._lock:
            if not self._wants_more(pause):
                return None
            self._reading = True
            wanted = max(2 * self.endpoint.max_in_flight, conf.batch_size) - len(self._queue)
            return set(self._in_hand), wanted

    def end_read(self, targets: list[Target] | None) -> None:
        """Ends a read: the deliveries found, or None when the read failed."""
        with self._lock:
            self._reading = False
            if targets is None:
                return
            self._read_at = self._clock.monotonic()
            self._found_nothing = not targets
            if self._stop_reason or self._closed:
                return  # read before it stopped: those stay in the database, due as they are
            fresh = [t for t in targets if t.delivery_id not in self._in_hand]
            self._queue.extend(fresh)
            self._in_hand.update(t.delivery_id for t in fresh)
            self._wake()

    def stop(self, reason: str) -> None:
        """No more requests; what is queued is put back."""
        with self._lock:
            self._stop(reason)
            self._lock.notify_all()

    def release_if_done(self) -> bool:
        """Whether it is done (stopped, or with nothing due, and everything recorded),
        stopping it in the same breath: the claim thread reads for idle leases too, and a
        delivery it added after this check would go out from a lease about to be released
        while the next holder reads it again. Released at once rather than kept in case
        more comes: the broker's wake-up for a new event reaches any worker, not this one
        (docs/performance.md)."""
        with self._lock:
            idle = not (self._in_flight or self._queue or self._in_hand or self._reading)
            if idle and (self._stop_reason or self._found_nothing):
                self._stop("released: nothing left to send")
                return True
            return False

    def recorded(self, delivery_ids: set[int]) -> None:
        with self._lock:
            self._in_hand -= delivery_ids

    def rate_limited_until(self, now: datetime) -> datetime | None:
        with self._lock:
            return self._rate.until(self._clock.monotonic(), now)

    def share(self, requests: int) -> None:
        """Its share of the worker's requests in flight."""
        with self._lock:
            self._share = requests

    def send_until_moved(self) -> None:
        """The moment past which no request starts moved: waiting senders look again."""
        with self._lock:
            self._lock.notify_all()

    def grow(self) -> None:
        """Adds threads (doubling) when requests wait for one and the receiver is slow."""
        with self._lock:
            ready_at = self._ready_at()
            if ready_at is None or ready_at > self._clock.monotonic() or self._idle:
                return
            more = max(0, min(self._spare(), self._limit() - self._threads, self._threads))
            self._threads += more
            self._start(more)

    def close(self) -> None:
        """No longer held: its threads end once they are done."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    def wait_for_in_flight(self, deadline: float) -> bool:
        """Waits until no request is in flight, or the clock's ``deadline``: whether it
        got there."""
        with self._lock:
            while self._in_flight:
                left = deadline - self._clock.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
            return True

    # -- with the lock held -----------------------------------------------------------

    def _wants_more(self, pause: float) -> bool:
        if self._stop_reason or self._reading or self._closed:
            return False
        if self._found_nothing and self._clock.monotonic() - self._read_at < pause:
            return False
        if self.endpoint.ordered:
            # The next stretch only once this one is sent: event order, one at a time.
            return not self._queue and not self._in_flight
        return len(self._queue) < self.endpoint.max_in_flight

    def _stop(self, reason: str) -> None:
        self._stop_reason = self._stop_reason or reason
        self._in_hand -= {t.delivery_id for t in self._queue}
        self._queue.clear()

    def _limit(self) -> int:
        if self._probing or not self._latency.slow:
            return 1
        return min(self.endpoint.max_in_flight, self._share)

    def _ready_at(self) -> float | None:
        """When it may start its next request, or None: nothing to send, or as many
        requests in flight as it may have."""
        if self._stop_reason or not self._queue or self._in_flight >= self._limit():
            return None
        return self._rate.next_start

    def _spare(self) -> int:
        """Requests it could start now, bar the rate limit."""
        if self._ready_at() is None:
            return 0
        return min(self._limit() - self._in_flight, len(self._queue))

    def _wake(self) -> None:
        """Gets its ready work going: an idle thread, or its first."""
        if self._spare() <= 0:
            return
        if self._idle:
            self._lock.notify()
        elif self._threads == 0:
            self._threads += 1
            self._start(1)

    def _start(self, count: int) -> None:
        for _ in range(count):
            self._senders.threads.run(self._serve)

    # -- the sender threads -----------------------------------------------------------

    def _serve(self) -> None:
        try:
            while True:
                with self._lock:
                    target = self._next()
                    if target is None:
                        return
                    if self._idle and self._spare():
                        self._lock.notify()  # more ready: an idle thread takes it
                self._send(target)
        finally:
            with self._lock:
                self._threads -= 1
                if not self._in_flight:
                    self._lock.notify_all()

    def _next(self) -> Target | None:
        """Waits for the lease's next request; None when this thread should end (closed,
        stopped, over the limit, or idle for long)."""
        idle_since = self._clock.monotonic()
        while not self._closed and self._threads <= self._limit():
            moment = self._clock.monotonic()
            ready_at = self._ready_at()
            in_time = moment <= self._senders.send_until
            if ready_at is not None and ready_at <= moment and in_time:
                self._in_flight += 1
                self._rate.started(moment)
                return self._queue.popleft()
            if self._stop_reason or moment - idle_since > SENDER_IDLE_SECONDS:
                return None
            self._idle += 1
            if ready_at is not None and in_time:
                self._clock.wait(self._lock, ready_at - moment)  # the rate limit's moment
            else:
                # Nothing to send, or waiting for the leases to be renewed: until told.
                self._lock.wait(SENDER_IDLE_SECONDS if ready_at is None else 1.0)
            self._idle -= 1
        return None

    def _send(self, target: Target) -> None:
        result = self._try(target)
        pause = None
        try:
            with self._lock:
                self._latency.answered(result.outcome.duration_ms / 1000)
                self._in_flight -= 1
                pause = self._settle(result)
                if self._stop_reason or not self._in_flight:
                    self._lock.notify_all()
        finally:
            # Handed on whatever happens above: a try never recorded stays in hand, and
            # its endpoint's lease is renewed for ever.
            self._senders.results.put((result, pause))
            self._senders.notify()

    def _try(self, target: Target) -> Finished:
        """One try and what it settles. A bug costs one try, recorded as failed with the
        kind of error, never the sender thread."""
        clients, clock = self._senders.clients, self._clock
        try:
            client = clients.borrow(target.endpoint_id, target.url)
            try:
                outcome = attempt(client, target, clock)
            finally:
                clients.give_back(target.endpoint_id, target.url, client)
        except Exception as exc:
            unexpected(target, exc, "sending")
            now = clock.now()
            outcome = Outcome(target, now, 0, {}, error=internal_error(exc), finished_at=now)
        return finish(outcome)

    def _settle(self, result: Finished) -> Pause | None:
        """Applies what a try settles for the endpoint (``settling.halt``): the limit
        opens at a success; a failure may stop the lease. Returns the pause, if any."""
        outcome = result.outcome
        if outcome.succeeded:
            self._probing = False
            started = outcome.started_at
            if self._last_success_started is None or started > self._last_success_started:
                self._last_success_started = started
            return None
        endpoint = self.endpoint
        since = self._succeeded_since(outcome.started_at)
        reason, pause = halt(result, endpoint.ordered, endpoint.retry_schedule, since)
        if reason:
            self._stop(reason)
        return pause

    def _succeeded_since(self, moment: datetime) -> bool:
        # A request that timed out while others to the same receiver succeeded says
        # little about the receiver: no pause for that.
        return self._last_success_started is not None and self._last_success_started >= moment
