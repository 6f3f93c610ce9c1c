"""The leases a dispatcher holds, each with sender threads of its own (``lease``), sharing
WEBHOOKS_WORKER_MAX_IN_FLIGHT equally (recomputed as endpoints come and go). So no
endpoint waits for a thread another endpoint is using, and a quiet endpoint's event goes
out as soon as it is read.

Why no shared queue of requests: any lock taken on every request by dozens of threads
became a convoy (the holder loses the interpreter lock, everyone queues behind it:
docs/performance.md). Here a request touches only
its own lease's lock, and results reach the dispatcher through a lock-free queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from queue import Empty

from webhooks.conf import conf
from webhooks.sending.claims import EndpointSnapshot
from webhooks.sending.clients import ClientPool
from webhooks.sending.clock import Clock
from webhooks.sending.lease import Lease, Senders
from webhooks.sending.settling import Finished, Pause

logger = logging.getLogger(__name__)


class Leases:
    def __init__(self, clients: ClientPool, clock: Clock, notify: Callable[[], None]) -> None:
        self._lock = threading.Lock()  # the set of leases; never taken per request
        self._held: dict[int, Lease] = {}
        self._senders = Senders(clients, clock, notify)

    def all(self) -> list[Lease]:
        with self._lock:
            return list(self._held.values())

    def ids(self) -> set[int]:
        with self._lock:
            return set(self._held)

    def add(self, endpoint: EndpointSnapshot, now: datetime) -> Lease:
        lease = Lease(endpoint, self._senders, now)
        with self._lock:
            self._held[endpoint.id] = lease
            self._share_requests()
        return lease

    def remove(self, leases: Iterable[Lease]) -> None:
        """No longer held: their threads end once done."""
        gone = []
        with self._lock:
            for lease in leases:
                if self._held.get(lease.id) is lease:
                    gone.append(self._held.pop(lease.id))
            self._share_requests()
        for lease in gone:
            lease.close()

    def stop(self, endpoint_ids: Iterable[int], reason: str) -> list[Lease]:
        with self._lock:
            stopped = [self._held[pk] for pk in endpoint_ids if pk in self._held]
        for lease in stopped:
            lease.stop(reason)
        return stopped

    def to_read(self, pause: float, starving_only: bool = False) -> list[Lease]:
        """Leases to read deliveries for, the least busy first (``Lease.wants_reading``);
        each read starts with ``Lease.begin_read``."""
        wanted = [lease for lease in self.all() if lease.wants_reading(pause, starving_only)]
        return sorted(wanted, key=lambda lease: lease.in_flight)

    def done(self) -> list[Lease]:
        """The leases to release: done, each stopped in the same breath."""
        return [lease for lease in self.all() if lease.release_if_done()]

    def results(self) -> tuple[list[Finished], list[Pause]]:
        """The tries finished since the last call, and the pauses they call for."""
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
        with self._lock:
            held = [(self._held.get(pk), ids) for pk, ids in by_endpoint.items()]
        for lease, ids in held:
            if lease is not None:
                lease.recorded(ids)

    def send_until(self, moment: float) -> None:
        """No request starts after the clock's ``moment`` unless extended: past it the
        leases may have run out and another dispatcher may be sending."""
        self._senders.send_until = moment
        for lease in self.all():
            lease.send_until_moved()

    def grow(self) -> None:
        """Adds sender threads to the leases whose receivers are slow."""
        for lease in self.all():
            lease.grow()

    def close(self, timeout: float) -> None:
        """Starts nothing more, puts back what is queued, and waits (at most ``timeout``)
        for the requests in flight to finish."""
        deadline = self._senders.clock.monotonic() + timeout
        held = self.all()
        for lease in held:
            lease.stop("the worker is stopping")
        for lease in held:
            if not lease.wait_for_in_flight(deadline):
                logger.warning("webhook senders still busy at shutdown; not waiting")
                return

    def _share_requests(self) -> None:
        share = max(1, conf.worker_max_in_flight // max(1, len(self._held)))
        for lease in self._held.values():
            lease.share(share)
