"""The loop that sends webhooks, one per django-q2 worker process (docs/architecture.md).

Two threads drive it. The claim thread claims endpoints with work and reads deliveries
for the leases in hand that have nothing to send: a new event waits for this small round
only. The round thread keeps the leases (``Holder``), records what the senders did
(``Recorder``), releases leases with nothing left, refills the others and hands endpoints
on. The sending itself happens on each lease's own threads (``Lease``). Every moment
they schedule by comes from one ``Clock``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from django.db import close_old_connections, connections

from webhooks.conf import conf
from webhooks.sending import claims, upcoming
from webhooks.sending.clients import ClientPool
from webhooks.sending.clock import SYSTEM_CLOCK, Clock
from webhooks.sending.holder import Holder
from webhooks.sending.lease import Lease
from webhooks.sending.leases import Leases
from webhooks.sending.recording import Recorder

logger = logging.getLogger(__name__)

# Rounds while busy are at least this far apart.
ROUND_SECONDS = 0.02
# Idle HTTP clients and database connections are closed this often.
MAINTAIN_SECONDS = 60.0


class Dispatcher:
    def __init__(self, clock: Clock = SYSTEM_CLOCK) -> None:
        self.clock = clock
        self.activity = threading.Event()  # results to record, or new work
        self.claims_wanted = threading.Event()  # new work: look for endpoints to claim
        self._stopping = threading.Event()
        self.clients = ClientPool(clock)
        self.leases = Leases(self.clients, clock, self._results_ready)
        self.holder = Holder(self.leases, clock)
        self.recorder = Recorder(clock, self.leases.recorded)
        self._maintained = clock.monotonic()

    @property
    def owner(self) -> str:
        return self.holder.owner

    def _results_ready(self) -> None:
        # Every request ends here: Event.set() takes a lock, is_set() does not.
        if not self.activity.is_set():
            self.activity.set()

    def step(self) -> bool:
        """A claim round and a round of the rest, on this thread (tests, commands)."""
        claimed = self.claim_round()
        return self.round() or bool(claimed)

    def claim_round(self) -> int:
        """Claims waiting endpoints, and reads deliveries for the endpoints in hand that
        have nothing to send (the least busy first, a few per round). On a thread of its
        own in a worker: a new event waits for this round, which stays small whatever the
        load, and not for the next round of recording a busy worker's results."""
        now = self.clock.now()
        claimed = self.holder.claim(now)
        starving = self.leases.to_read(conf.poll_interval, starving_only=True)
        found = self._read(starving, now, limit=2)
        self.leases.grow()
        return claimed + found

    def round(self) -> bool:
        """Everything but claiming: keep the claims, record results, release endpoints
        with nothing left, read more deliveries, take turns. Whether it did anything."""
        now = self.clock.now()
        self.holder.keep(now)
        finished, pauses = self.leases.results()
        self.recorder.take(finished, pauses)
        sending = any(lease.in_flight for lease in self.leases.all())
        left = self.recorder.round(now, sending)
        released = self.holder.release(now)
        fed = self._read(self.leases.to_read(conf.poll_interval), now)
        self.holder.take_turns(now)
        self._maintain()
        return bool(finished or pauses or released or fed or left)

    def run(self, keep_running: Callable[[], bool]) -> None:
        claimer = threading.Thread(
            target=self._run_claims, args=(keep_running,), name="webhook-claims", daemon=True
        )
        claimer.start()
        try:
            self._loop(self.round, self.activity, ROUND_SECONDS, keep_running)
        finally:
            self._stopping.set()
            self.claims_wanted.set()
            claimer.join(timeout=conf.timeout + 5)
            self.close()

    def wake(self) -> None:
        """New work: look for it now, not at the next poll."""
        self.claims_wanted.set()
        self.activity.set()

    def _run_claims(self, keep_running: Callable[[], bool]) -> None:
        try:
            self._loop(self.claim_round, self.claims_wanted, 0.0, keep_running)
        finally:
            connections.close_all()  # this thread's own connection

    def _loop(
        self,
        work: Callable[[], object],
        wanted: threading.Event,
        gap: float,
        keep_running: Callable[[], bool],
    ) -> None:
        """Runs ``work`` again at once (``gap`` apart) while it finds something to do,
        else when ``wanted`` or after the poll interval."""
        while keep_running() and not self._stopping.is_set():
            started = time.monotonic()
            try:
                busy = work()
            except Exception:
                # A database outage must not end the thread: back off, reconnect.
                logger.exception("webhook dispatcher round failed; retrying in 1s")
                close_old_connections()
                busy = False
                time.sleep(1)
            if busy:
                time.sleep(max(0.0, gap - (time.monotonic() - started)))
            else:
                wanted.wait(conf.poll_interval)
            wanted.clear()

    def run_until_idle(self, timeout: float = 30) -> None:
        """Send everything due now and record it (tests and one-off commands)."""
        end = time.monotonic() + timeout
        while (self.step() or self.leases.all()) and time.monotonic() < end:
            self.activity.wait(0.05)
            self.activity.clear()

    def close(self) -> None:
        """Let requests in flight finish, record them, and release every claim."""
        self.leases.close(timeout=conf.timeout + 5)
        try:
            now = self.clock.now()
            self.recorder.take(*self.leases.results())
            self.recorder.store(now)
            self.holder.release_all(now)
        finally:
            self.clients.close_all()

    # -- deliveries -----------------------------------------------------------------

    def _read(self, leases: list[Lease], now: datetime, limit: int | None = None) -> int:
        """Reads the next deliveries of up to ``limit`` of ``leases``."""
        found = done = 0
        for lease in leases:
            if limit is not None and done >= limit:
                break
            begun = lease.begin_read(conf.poll_interval)
            if begun is None:
                continue
            in_hand, wanted = begun
            targets = None
            try:
                targets = upcoming.next_deliveries(lease.endpoint, wanted, in_hand, now)
                if targets and lease.found_nothing and self._changed(lease, now):
                    targets = None  # stopped: claimed again as the endpoint is now
            finally:
                lease.end_read(targets)
            found += len(targets or ())
            done += 1
        return found

    def _changed(self, lease: Lease, now: datetime) -> bool:
        """An endpoint still claimed after it ran out of work finds more: whether it
        changed meanwhile (an operator rotating its secret and replaying at once must get
        the new secret, not a snapshot of a second ago). Busy endpoints are checked every
        second."""
        if claims.versions([lease.id], now).get(lease.id) == lease.endpoint.version:
            return False
        lease.stop("the endpoint changed")
        return True

    def _maintain(self) -> None:
        if self.clock.monotonic() - self._maintained < MAINTAIN_SECONDS:
            return
        self._maintained = self.clock.monotonic()
        self.clients.close_idle()
        # Outside a request nothing else retires a connection the server has dropped.
        close_old_connections()
