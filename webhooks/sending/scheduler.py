"""A dispatcher's endpoints in hand, each a ``Lane`` with sender threads of its own
(``lanes``), sharing WEBHOOKS_WORKER_MAX_IN_FLIGHT equally (recomputed as endpoints come
and go). So no endpoint waits for a thread another endpoint is using, and a quiet
endpoint's event goes out as soon as it is read.

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
from queue import Empty

from webhooks.conf import conf
from webhooks.sending.attempt import Target
from webhooks.sending.channel import Channel
from webhooks.sending.clients import ClientPool
from webhooks.sending.lanes import Lane, Senders
from webhooks.sending.settling import Finished, Pause

logger = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, clients: ClientPool, notify: Callable[[], None]):
        self._lock = threading.Lock()  # the set of lanes; never taken per request
        self._lanes: dict[int, Lane] = {}
        self._senders = Senders(clients, notify)

    # -- the dispatcher's side ------------------------------------------------------

    def channels(self) -> list[Channel]:
        with self._lock:
            return [lane.channel for lane in self._lanes.values()]

    def add(self, channel: Channel) -> None:
        with self._lock:
            self._lanes[channel.id] = Lane(channel, self._senders)
            self._share_threads()

    def remove(self, endpoint_ids: Iterable[int]) -> None:
        with self._lock:
            lanes = [self._lanes.pop(pk) for pk in endpoint_ids if pk in self._lanes]
            self._share_threads()
        for lane in lanes:
            lane.close()

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
            lane.wake()

    def stop(self, endpoint_ids: Iterable[int], reason: str) -> None:
        for pk in endpoint_ids:
            lane = self._lane(pk)
            if lane is not None:
                with lane.changed:
                    lane.channel.stop(reason)
                    lane.changed.notify_all()

    def releasable(self) -> list[Channel]:
        """The channels that are done, each stopped in the same breath: the claim thread
        reads for idle channels too, and a delivery it added after this check went out
        from a lane about to be released while the next claim of the endpoint, here or
        in another worker, read it again (the same delivery sent twice, both tries
        logged as the first)."""
        done = []
        for lane in self._lanes_now():
            with lane.changed:
                if lane.channel.releasable():
                    lane.channel.stop("released: nothing left to send")
                    done.append(lane.channel)
        return done

    def results(self) -> tuple[list[Finished], list[Pause]]:
        finished: list[Finished] = []
        pauses: list[Pause] = []
        while True:
            try:
                result, pause = self._senders.results.get_nowait()
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
        self._senders.send_until = moment
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

    # -- internals ------------------------------------------------------------------

    def grow(self) -> None:
        """Adds sender threads to the lanes whose receivers are slow."""
        for lane in self._lanes_now():
            lane.grow()

    def _lanes_now(self) -> list[Lane]:
        with self._lock:
            return list(self._lanes.values())

    def _lane(self, endpoint_id: int) -> Lane | None:
        with self._lock:
            return self._lanes.get(endpoint_id)

    def _share_threads(self) -> None:
        share = max(1, conf.worker_max_in_flight // max(1, len(self._lanes)))
        for lane in self._lanes.values():
            lane.allowed = min(lane.channel.full_cap, share)
