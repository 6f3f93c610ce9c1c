"""One claimed endpoint's sender threads.

A lane starts with one thread and adds threads (doubling) only while requests wait for
one and the receiver is slow, up to its ``max_in_flight`` and its share of
WEBHOOKS_WORKER_MAX_IN_FLIGHT; a thread over that ends after its request. Against a
fast receiver one thread sends as fast as the process can, and more only fight over the
interpreter lock: with 20 threads per endpoint the loopback benchmark fell by a third.

"Slow" is judged by the quick end of the last answers (the eighth-quickest of them): a
request's time includes waiting for the interpreter lock, which only ever adds, so the
quick end tells the receiver's own latency even in a busy process (the minimum-RTT idea
of TCP BBR). Not the very quickest: one quick answer among slow ones (the first on a new
connection, before delayed ACKs set in, or a receiver's cache) kept an endpoint whose
receiver answered in 44 ms at one thread, 23 requests a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from queue import SimpleQueue

from django.utils import timezone

from webhooks.sending.attempt import Outcome, Target, attempt
from webhooks.sending.channel import Channel
from webhooks.sending.clients import ClientPool
from webhooks.sending.settling import Finished, Pause, finish, internal_error, unexpected
from webhooks.sending.threads import ThreadReuse

logger = logging.getLogger(__name__)

SENDER_IDLE_SECONDS = 60.0
# A receiver whose quick answers take longer is worth more than one thread.
SLOW_RECEIVER_SECONDS = 0.005
INFINITE = float("inf")
# The answers a lane judges its receiver by: the last 32, by their quickest eighth.
JUDGED_ANSWERS = 32
QUICK_SHARE = 8


@dataclass
class Senders:
    """What every lane's threads share."""

    clients: ClientPool
    notify: Callable[[], None]  # results are waiting to be recorded
    results: SimpleQueue[tuple[Finished, Pause | None]] = field(default_factory=SimpleQueue)
    threads: ThreadReuse = field(default_factory=lambda: ThreadReuse("webhook-sender"))
    # No request starts after this (time.monotonic()): the claims may run out then.
    send_until: float = INFINITE


class Lane:
    """A channel with its lock and its sender threads."""

    def __init__(self, channel: Channel, senders: Senders) -> None:
        self.channel = channel
        self.senders = senders
        self.changed = threading.Condition()
        self.threads = 0
        self.idle = 0  # threads waiting for work
        self.allowed = 1  # its fair share of threads, within its max in flight
        self.closed = False
        # How long its last requests took, and the quick end of those (seconds).
        self.durations: deque[float] = deque(maxlen=JUDGED_ANSWERS)
        self.quick = INFINITE

    def most(self) -> int:
        """Threads it may have: its share, or one while its receiver is not known to be
        slow (nothing answered yet counts as fast)."""
        slow = SLOW_RECEIVER_SECONDS < self.quick < INFINITE
        return self.allowed if slow else 1

    def grow(self) -> None:
        """Adds threads when requests wait for one and the receiver is slow."""
        with self.changed:
            ready_at = self.channel.ready_at()
            if ready_at is None or ready_at > time.monotonic() or self.idle:
                return
            more = max(0, min(self.channel.spare(), self.most() - self.threads, self.threads))
            self.threads += more
        self._start(more)

    def wake(self) -> None:
        """With ``changed`` held: gets its ready work going, waking an idle thread or,
        for a lane without any, starting its first."""
        if self.channel.spare() <= 0:
            return
        if self.idle:
            self.changed.notify()
        elif self.threads == 0:
            self.threads += 1
            self._start(1)

    def close(self) -> None:
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def _took(self, seconds: float) -> None:
        """With ``changed`` held: a request took ``seconds``."""
        self.durations.append(seconds)
        ranked = sorted(self.durations)
        self.quick = ranked[len(ranked) // QUICK_SHARE]

    def _start(self, count: int) -> None:
        for _ in range(count):
            self.senders.threads.run(self._serve)

    def _serve(self) -> None:
        try:
            while True:
                with self.changed:
                    target = self._next()
                    if target is None:
                        return
                    if self.idle and self.channel.spare():
                        self.changed.notify()  # more ready: an idle thread takes it
                self._send(target)
        finally:
            with self.changed:
                self.threads -= 1
                if not self.channel.in_flight:
                    self.changed.notify_all()

    def _next(self) -> Target | None:
        """With ``changed`` held: waits for the lane's next request; None when this
        thread should end (closed, stopped, over its share, or idle for long)."""
        idle_since = time.monotonic()
        while not self.closed and self.threads <= self.most():
            now = time.monotonic()
            ready_at = self.channel.ready_at()
            allowed = now <= self.senders.send_until
            if ready_at is not None and ready_at <= now and allowed:
                return self.channel.take()
            if self.channel.stop_reason or now - idle_since > SENDER_IDLE_SECONDS:
                return None
            wait = SENDER_IDLE_SECONDS
            if ready_at is not None:  # the rate limit or the claims' end say "not yet"
                wait = max(0.0, ready_at - now) if allowed else 1.0
            self.idle += 1
            self.changed.wait(wait)
            self.idle -= 1
        return None

    def _send(self, target: Target) -> None:
        result = self._try(target)
        pause = None
        try:
            with self.changed:
                self._took(result.outcome.duration_ms / 1000)
                pause = self.channel.finish(result)
                if self.channel.stop_reason or not self.channel.in_flight:
                    self.changed.notify_all()
        finally:
            # Recorded whatever happens above: a try never recorded stays in hand, and its
            # endpoint's claim is renewed for ever.
            self.senders.results.put((result, pause))
            self.senders.notify()

    def _try(self, target: Target) -> Finished:
        """One try and what it settles. A bug costs one try, recorded as failed with the
        kind of error, never the sender thread."""
        clients = self.senders.clients
        try:
            client = clients.borrow(target.endpoint_id, target.url)
            try:
                outcome = attempt(client, target)
            finally:
                clients.give_back(target.endpoint_id, target.url, client)
        except Exception as exc:
            unexpected(target, exc, "sending")
            outcome = Outcome(target, timezone.now(), 0, {}, error=internal_error(exc))
        return finish(outcome)
