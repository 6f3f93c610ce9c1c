"""The loop that sends webhooks, one per django-q2 worker process (docs/architecture.md).

Two threads drive it. The claim thread claims endpoints with work and reads deliveries
for the endpoints in hand that have nothing to send: a new event waits for this small
round only. The round thread keeps the claims (``Holder``), records what the senders did,
releases endpoints with nothing left, refills the others and hands endpoints on. The
sending itself happens on each endpoint's own threads (``Scheduler``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from django.db import close_old_connections, connections
from django.utils import timezone

from webhooks.conf import conf
from webhooks.sending import claims, recording, upcoming
from webhooks.sending.channel import Channel
from webhooks.sending.clients import ClientPool
from webhooks.sending.holder import Holder
from webhooks.sending.scheduler import Scheduler
from webhooks.sending.settling import Finished, Pause

logger = logging.getLogger(__name__)

# Rounds while busy are at least this far apart.
ROUND_SECONDS = 0.02
# Results are recorded at least this often while requests are in flight (at once when
# nothing is): in batches, which cost far less per result, and never so late that a
# crash would send much twice (what was sent since the last record goes again).
RECORD_SECONDS = 0.25
# A round stops recording after this long and leaves the rest to the next: the round
# renews the claims, and past the renewal window the senders stop, so a round stuck
# recording a burst's backlog for seconds held back every endpoint, the quiet ones too.
RECORD_BUDGET_SECONDS = 0.1


class Dispatcher:
    def __init__(self) -> None:
        self.activity = threading.Event()  # results to record, or new work
        self.claims_wanted = threading.Event()  # new work: look for endpoints to claim
        self._stopping = threading.Event()
        self.clients = ClientPool()
        self.scheduler = Scheduler(self.clients, self._results_ready)
        self.holder = Holder(self.scheduler)
        # Results not in the database yet: kept (and the claims renewed) until recording
        # succeeds, so a database hiccup does not turn into duplicate sends.
        self.unrecorded: list[Finished] = []
        self.unrecorded_pauses: list[Pause] = []
        self._maintained = self._recorded = time.monotonic()

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
        now = timezone.now()
        claimed = self.holder.claim(now)
        starving = self.scheduler.to_read(conf.poll_interval, starving_only=True)
        found = self._read(starving, now, limit=2)
        self.scheduler.grow()
        return claimed + found

    def round(self) -> bool:
        """Everything but claiming: keep the claims, record results, release endpoints
        with nothing left, read more deliveries, take turns. Whether it did anything."""
        now = timezone.now()
        self.holder.keep(now)
        finished, pauses = self.scheduler.results()
        self.unrecorded += finished
        self.unrecorded_pauses += pauses
        due = time.monotonic() - self._recorded >= RECORD_SECONDS or self.unrecorded_pauses
        if (self.unrecorded or self.unrecorded_pauses) and (due or not self._sending()):
            self._recorded = time.monotonic()
            self._store(now, RECORD_BUDGET_SECONDS)
        left = bool(self.unrecorded)
        if left:
            self._recorded = -RECORD_SECONDS  # the rest is due in the next round
        released = self.holder.release(now)
        fed = self._read(self.scheduler.to_read(conf.poll_interval), now)
        self.holder.take_turns(now)
        self._maintain()
        return bool(finished or pauses or released or fed or left)

    def _store(self, now: datetime, budget: float | None = None) -> None:
        """Records the results in hand, a batch per transaction, for ``budget`` seconds at
        most (at least one batch); what is left, or not stored because the database went
        away, stays in hand for the next round."""
        started = time.monotonic()
        batches = recording.batches(self.unrecorded, self.unrecorded_pauses)
        for done, (finished, pauses) in enumerate(batches, start=1):
            if done > 1 and budget is not None and time.monotonic() - started > budget:
                break
            recording.record(finished, pauses, now)
            self.scheduler.recorded(finished)
            self.unrecorded = [result for rest, _ in batches[done:] for result in rest]
            self.unrecorded_pauses = [pause for _, rest in batches[done:] for pause in rest]

    def _sending(self) -> bool:
        return any(channel.in_flight for channel in self.scheduler.channels())

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
        while (self.step() or self.scheduler.channels()) and time.monotonic() < end:
            self.activity.wait(0.05)
            self.activity.clear()

    def close(self) -> None:
        """Let requests in flight finish, record them, and release every claim."""
        self.scheduler.close(timeout=conf.timeout + 5)
        try:
            now = timezone.now()
            finished, pauses = self.scheduler.results()
            self.unrecorded += finished
            self.unrecorded_pauses += pauses
            self._store(now)
            self.holder.release_all(now)
        finally:
            self.clients.close_all()

    # -- deliveries -----------------------------------------------------------------

    def _read(self, channels: list[Channel], now: datetime, limit: int | None = None) -> int:
        """Reads the next deliveries of up to ``limit`` of ``channels``."""
        found = done = 0
        for channel in channels:
            if limit is not None and done >= limit:
                break
            begun = self.scheduler.begin_read(channel, conf.poll_interval)
            if begun is None:
                continue
            in_hand, wanted = begun
            targets = None
            try:
                targets = upcoming.next_deliveries(channel.endpoint, wanted, in_hand, now)
                if targets and channel.found_nothing and self._changed(channel, now):
                    targets = None  # stopped: claimed again as the endpoint is now
            finally:
                self.scheduler.feed(channel, targets)
            found += len(targets or ())
            done += 1
        return found

    def _changed(self, channel: Channel, now: datetime) -> bool:
        """An endpoint still claimed after it ran out of work finds more: whether it
        changed meanwhile (an operator rotating its secret and replaying at once must get
        the new secret, not a snapshot of a second ago). Busy endpoints are checked every
        second."""
        if claims.versions([channel.id], now).get(channel.id) == channel.endpoint.version:
            return False
        self.scheduler.stop([channel.id], "the endpoint changed")
        return True

    def _maintain(self) -> None:
        if time.monotonic() - self._maintained < 60:
            return
        self._maintained = time.monotonic()
        self.clients.close_idle()
        # Outside a request nothing else retires a connection the server has dropped.
        close_old_connections()
