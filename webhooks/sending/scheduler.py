"""A dispatcher's sender threads: each endpoint in hand has its own.

Each claimed endpoint (a ``Channel``) gets sender threads of its own, started as its work
needs them, up to its ``max_in_flight`` and its fair share of WEBHOOKS_WORKER_MAX_IN_FLIGHT
(recomputed as endpoints come and go; a thread over the share ends after its request).
So no endpoint waits for a thread another endpoint is using, and a quiet endpoint's event
goes out as soon as it is read.

Why no shared queue of requests: any lock taken on every request by dozens of threads
became a convoy on this machine (the holder loses the interpreter lock, everyone queues
behind it; 34% and 62% of the senders' time in two profiles). Here a request touches only
its own endpoint's lock, and results go to the dispatcher through a lock-free queue.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from queue import Empty, SimpleQueue

from django.utils import timezone

from webhooks.sending.attempt import Outcome, Target, attempt
from webhooks.sending.channel import Channel
from webhooks.sending.clients import ClientPool
from webhooks.sending.recording import Finished, Pause, finish

logger = logging.getLogger(__name__)

SENDER_IDLE_SECONDS = 60.0
# A receiver whose quickest answer takes longer is worth more than one thread: against
# a faster one, one thread sends as fast as the process can.
SLOW_RECEIVER_SECONDS = 0.005


class _Lane:
    """A channel with its lock and its sender threads."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.changed = threading.Condition()
        self.threads = 0
        self.idle = 0  # threads waiting for work
        self.allowed = 1  # threads it may have: its fair share, within its max in flight
        self.closed = False
        # The quickest request of the previous and of this window (none yet: infinite).
        self.quickest = [float("inf"), float("inf")]
        self.window_started = time.monotonic()

    def more_threads_help(self, now: float) -> int:
        """With ``changed`` held: how many threads to add (at most as many again). Only
        when requests are waiting for a thread and the receiver is slow: its quickest
        answer of the last seconds took over SLOW_RECEIVER_SECONDS. A request's time
        includes waiting for the interpreter lock, which only ever adds, so the
        quickest one tells the receiver's own latency even in a busy process."""
        ready_at = self.channel.ready_at()
        if ready_at is None or ready_at > now or self.idle:
            return 0
        return max(0, min(self.channel.spare(), self.most() - self.threads, self.threads))

    def most(self) -> int:
        """Threads it may have: its share, or one while its receiver is not known to be
        slow (nothing answered yet counts as fast)."""
        slow = SLOW_RECEIVER_SECONDS < min(self.quickest) < float("inf")
        return self.allowed if slow else 1

    def took(self, seconds: float, now: float) -> None:
        """With ``changed`` held: a request took ``seconds``. The quickest is kept for
        this and the previous two-second window."""
        if now - self.window_started > 2:
            self.quickest = [self.quickest[1], seconds]
            self.window_started = now
        else:
            self.quickest[1] = min(self.quickest[1], seconds)
        if self.quickest[0] == float("inf"):
            self.quickest[0] = self.quickest[1]  # the first window stands for both


class Scheduler:
    def __init__(self, clients: ClientPool, max_threads: int, notify: Callable[[], None]):
        self._lock = threading.Lock()  # the set of lanes; never taken per request
        self._lanes: dict[int, _Lane] = {}
        self._clients = clients
        self._max_threads = max(1, max_threads)
        self._notify = notify  # results are waiting to be recorded
        self._results: SimpleQueue[tuple[Finished, Pause | None]] = SimpleQueue()
        self._send_until = float("inf")

    # -- the dispatcher's side ------------------------------------------------------

    def channels(self) -> list[Channel]:
        with self._lock:
            return [lane.channel for lane in self._lanes.values()]

    def add(self, channel: Channel) -> None:
        with self._lock:
            self._lanes[channel.id] = _Lane(channel)
            self._share_threads()

    def remove(self, endpoint_ids: Iterable[int]) -> None:
        with self._lock:
            lanes = [self._lanes.pop(pk) for pk in endpoint_ids if pk in self._lanes]
            self._share_threads()
        for lane in lanes:
            with lane.changed:
                lane.closed = True
                lane.changed.notify_all()

    def to_read(self, pause: float, starving_only: bool = False) -> list[Channel]:
        """Channels to read deliveries for, the least busy first. One that found nothing
        is asked again after ``pause``. Each read starts with ``begin_read``."""
        wanted = []
        for lane in self._lanes_now():
            with lane.changed:
                channel = lane.channel
                if channel.wants_more(pause) and (channel.starving() or not starving_only):
                    wanted.append(channel)
        return sorted(wanted, key=lambda channel: channel.in_flight)

    def begin_read(self, channel: Channel, pause: float) -> tuple[set[int], int] | None:
        """Marks ``channel`` as being read (one read at a time: a delivery sent and
        recorded meanwhile could come back from a read that started before) and returns
        the ids it must not get again and how many it wants; None if it no longer wants
        any, or another thread is reading for it."""
        lane = self._lane(channel.id)
        if lane is None or lane.channel is not channel:
            return None
        with lane.changed:
            if not channel.wants_more(pause):
                return None
            channel.reading = True
            return set(channel.in_hand), channel.wanted()

    def feed(self, channel: Channel, targets: list[Target] | None) -> None:
        """Ends a read: ``targets`` found, or None when the read failed."""
        lane = self._lane(channel.id)
        if lane is None or lane.channel is not channel:
            channel.reading = False
            return
        with lane.changed:
            if targets is None:
                channel.reading = False
                return
            channel.add(targets)
            self._wake(lane)

    def stop(self, endpoint_ids: Iterable[int], reason: str) -> None:
        for pk in endpoint_ids:
            lane = self._lane(pk)
            if lane is not None:
                with lane.changed:
                    lane.channel.stop(reason)
                    lane.changed.notify_all()

    def releasable(self) -> list[Channel]:
        done = []
        for lane in self._lanes_now():
            with lane.changed:
                if lane.channel.releasable():
                    done.append(lane.channel)
        return done

    def results(self) -> tuple[list[Finished], list[Pause]]:
        finished: list[Finished] = []
        pauses: list[Pause] = []
        while True:
            try:
                result, pause = self._results.get_nowait()
            except Empty:
                return finished, pauses
            finished.append(result)
            if pause is not None:
                pauses.append(pause)

    def recorded(self, finished: Iterable[Finished]) -> None:
        by_endpoint: dict[int, set[int]] = {}
        for result in finished:
            by_endpoint.setdefault(result.endpoint_id, set()).add(result.outcome.target.delivery_id)
        for pk, ids in by_endpoint.items():
            lane = self._lane(pk)
            if lane is not None:
                with lane.changed:
                    lane.channel.recorded(ids)

    def send_until(self, moment: float) -> None:
        """No request starts after ``moment`` (``time.monotonic()``) unless extended: past
        it the claims may have run out and another dispatcher may be sending."""
        self._send_until = moment
        for lane in self._lanes_now():
            with lane.changed:
                lane.changed.notify_all()

    def close(self, timeout: float) -> None:
        """Starts nothing more, puts back what is queued, and waits (at most ``timeout``)
        for the requests in flight to finish."""
        deadline = time.monotonic() + timeout
        lanes = self._lanes_now()
        for lane in lanes:
            with lane.changed:
                lane.channel.stop("the worker is stopping")
                lane.changed.notify_all()
        for lane in lanes:
            with lane.changed:
                while lane.channel.in_flight:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        logger.warning("webhook senders still busy at shutdown; not waiting")
                        return
                    lane.changed.wait(left)

    # -- threads --------------------------------------------------------------------

    def _lanes_now(self) -> list[_Lane]:
        with self._lock:
            return list(self._lanes.values())

    def _lane(self, endpoint_id: int) -> _Lane | None:
        with self._lock:
            return self._lanes.get(endpoint_id)

    def _share_threads(self) -> None:
        share = max(1, self._max_threads // max(1, len(self._lanes)))
        for lane in self._lanes.values():
            lane.allowed = min(lane.channel.full_cap, share)

    def grow(self) -> None:
        """Adds sender threads to endpoints whose receivers are slow. Against fast ones
        more threads only fight over the interpreter lock: with 20 threads per endpoint
        the loopback benchmark fell by a third."""
        now = time.monotonic()
        for lane in self._lanes_now():
            with lane.changed:
                more = lane.more_threads_help(now)
                lane.threads += more
            self._start(lane, more)

    def _wake(self, lane: _Lane) -> None:
        """With ``lane.changed`` held: get its ready work going, waking an idle thread or,
        for a lane without any, starting its first (``grow`` adds more)."""
        if lane.channel.spare() <= 0:
            return
        if lane.idle:
            lane.changed.notify()
        elif lane.threads == 0:
            lane.threads += 1
            self._start(lane, 1)

    def _start(self, lane: _Lane, count: int) -> None:
        for _ in range(count):
            threading.Thread(
                target=self._serve, args=(lane,), name="webhook-sender", daemon=True
            ).start()

    def _serve(self, lane: _Lane) -> None:
        channel = lane.channel
        try:
            while True:
                with lane.changed:
                    target = self._next(lane)
                    if target is None:
                        return
                    if lane.idle and lane.channel.spare():
                        lane.changed.notify()  # more ready: an idle thread takes it
                self._send(lane, target)
        finally:
            with lane.changed:
                lane.threads -= 1
                if not channel.in_flight:
                    lane.changed.notify_all()

    def _next(self, lane: _Lane) -> Target | None:
        """With ``lane.changed`` held: waits for the lane's next request; None when this
        thread should end (closed, over its share, or idle for long)."""
        idle_since = time.monotonic()
        while not lane.closed and lane.threads <= lane.most():
            now = time.monotonic()
            ready_at = lane.channel.ready_at()
            if ready_at is not None and ready_at <= now and now <= self._send_until:
                return lane.channel.take()
            if lane.channel.stop_reason or now - idle_since > SENDER_IDLE_SECONDS:
                return None
            wait = SENDER_IDLE_SECONDS
            if ready_at is not None:  # the rate limit or the claims' end say "not yet"
                wait = max(0.0, ready_at - now) if now <= self._send_until else 1.0
            lane.idle += 1
            lane.changed.wait(wait)
            lane.idle -= 1
        return None

    def _send(self, lane: _Lane, target: Target) -> None:
        client = self._clients.borrow(target.endpoint_id, target.url)
        try:
            outcome = attempt(client, target)
        except Exception as exc:  # a bug must cost one try, not the sender thread
            logger.exception("webhook delivery %s: unexpected error", target.delivery_id)
            outcome = Outcome(target, timezone.now(), 0, {}, error=f"internal error: {exc!r}")
        finally:
            self._clients.give_back(target.endpoint_id, target.url, client)
        result = finish(outcome)
        with lane.changed:
            lane.took(outcome.duration_ms / 1000, time.monotonic())
            pause = lane.channel.finish(result)
            if lane.channel.stop_reason or not lane.channel.in_flight:
                lane.changed.notify_all()
        self._results.put((result, pause))
        self._notify()
