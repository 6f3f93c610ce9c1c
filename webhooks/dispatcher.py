"""The loop that sends webhooks, one per django-q2 worker process (docs/architecture.md).

Each round: record what finished lanes did, renew the lease on work in hand, claim due
deliveries for endpoints without a lane, and start a lane (a sender thread) per endpoint.
An endpoint that hangs holds only its own lane.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.db import close_old_connections, connections
from django.utils import timezone

from webhooks import queue
from webhooks.conf import conf
from webhooks.delivery import Outcome, Target, attempt
from webhooks.transport import new_client

logger = logging.getLogger(__name__)

_running: Dispatcher | None = None
_CLIENT_IDLE_SECONDS = 300
# A lane hands back what it has not sent after this long. What a lane sent is only on
# record once the lane ends, so this bounds what a crash can make go twice, and lets new
# work for the endpoint queue up behind less of the old.
LANE_SLICE_SECONDS = 0.5


class ClientCache:
    """A keep-alive client per endpoint, used by one lane at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[int, tuple[str, httpx.Client, float]] = {}

    def get(self, endpoint_id: int, url: str) -> httpx.Client:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            entry = self._clients.get(endpoint_id)
            if entry is not None and entry[0] == origin:
                client = entry[1]
            else:
                if entry is not None:
                    entry[1].close()
                client = new_client()
            self._clients[endpoint_id] = (origin, client, time.monotonic())
            return client

    def close_idle(self, busy: set[int], idle_seconds: float = _CLIENT_IDLE_SECONDS) -> None:
        cutoff = time.monotonic() - idle_seconds
        with self._lock:
            for endpoint_id, (_, client, used) in list(self._clients.items()):
                if used < cutoff and endpoint_id not in busy:
                    client.close()
                    del self._clients[endpoint_id]

    def close_all(self) -> None:
        self.close_idle(busy=set(), idle_seconds=-1)


class Dispatcher:
    def __init__(self) -> None:
        self.activity = threading.Event()
        self.lanes: dict[int, Future[queue.LaneResult]] = {}
        self.held: dict[int, list[int]] = {}  # endpoint id -> delivery ids in its lane
        # Finished lanes whose results are not in the database yet: kept (and their
        # leases renewed) until recording succeeds, so a database hiccup does not turn
        # into duplicate sends when the leases run out.
        self.unrecorded: list[queue.LaneResult] = []
        self.clients = ClientCache()
        self._executor = ThreadPoolExecutor(conf.concurrency, thread_name_prefix="webhook-lane")
        self._renewed = self._maintained = time.monotonic()

    def step(self) -> bool:
        """One round; whether it found anything to do."""
        finished = [pk for pk, lane in self.lanes.items() if lane.done()]
        self.unrecorded += [self.lanes.pop(pk).result() for pk in finished]
        self._renew_leases()
        if self.unrecorded:
            queue.record(self.unrecorded, timezone.now())
            for result in self.unrecorded:
                del self.held[result.endpoint_id]
            self.unrecorded.clear()
        claimed = 0
        if len(self.lanes) < conf.concurrency:
            ids = queue.claim(conf.batch_size, set(self.held), timezone.now())
            claimed = len(ids)
            for endpoint_id, targets in queue.targets_by_endpoint(ids) if ids else []:
                self._start_lane(endpoint_id, targets)
        self._maintain()
        return bool(finished or claimed)

    def run(self, keep_running: Callable[[], bool]) -> None:
        try:
            while keep_running():
                try:
                    busy = self.step()
                except Exception:
                    # A database outage must not end the thread: back off, reconnect.
                    logger.exception("webhook dispatcher round failed; retrying in 1s")
                    close_old_connections()
                    busy = False
                    time.sleep(1)
                if not busy:
                    self.activity.wait(conf.poll_interval)
                    self.activity.clear()
        finally:
            self.close()

    def run_until_idle(self, timeout: float = 30) -> None:
        """Send everything due now and record it (tests and one-off commands)."""
        end = time.monotonic() + timeout
        while (self.step() or self.lanes) and time.monotonic() < end:
            self.activity.wait(0.05)
            self.activity.clear()

    def close(self) -> None:
        """Let lanes in flight finish and record them; then release everything."""
        self.unrecorded += [lane.result() for lane in self.lanes.values()]
        self.lanes.clear()
        try:
            queue.record(self.unrecorded, timezone.now())
            self.unrecorded.clear()
            self.held.clear()
        finally:
            self._executor.shutdown(wait=True)
            self.clients.close_all()

    def _start_lane(self, endpoint_id: int, targets: list[Target]) -> None:
        lane = self._executor.submit(self._send_lane, endpoint_id, targets)
        lane.add_done_callback(lambda _: self.activity.set())
        self.lanes[endpoint_id] = lane
        self.held[endpoint_id] = [t.delivery_id for t in targets]

    def _send_lane(self, endpoint_id: int, targets: list[Target]) -> queue.LaneResult:
        result = queue.LaneResult(endpoint_id)
        client = self.clients.get(endpoint_id, targets[0].url)
        slice_ends = time.monotonic() + LANE_SLICE_SECONDS
        for position, target in enumerate(targets):
            if position and time.monotonic() > slice_ends:
                result.released = targets[position:]
                break
            try:
                outcome = attempt(client, target)
            except Exception as exc:  # a bug must cost one try, not the whole lane
                logger.exception("webhook delivery %s: unexpected error", target.delivery_id)
                outcome = Outcome(target, timezone.now(), 0, {}, error=f"internal error: {exc!r}")
            result.outcomes.append(outcome)
            if outcome.unreachable or outcome.gone:
                result.deferred = targets[position + 1 :]
                break
        return result

    def _renew_leases(self) -> None:
        if time.monotonic() - self._renewed < conf.lease.total_seconds() / 3:
            return
        self._renewed = time.monotonic()
        held = [pk for ids in self.held.values() for pk in ids]
        if held:
            queue.renew(held, timezone.now())

    def _maintain(self) -> None:
        if time.monotonic() - self._maintained < 60:
            return
        self._maintained = time.monotonic()
        self.clients.close_idle(busy=set(self.lanes))
        # Outside a request nothing else retires a connection the server has dropped.
        close_old_connections()


def wake() -> None:
    """Make this process's dispatcher look for work now, not at its next poll."""
    if _running is not None:
        _running.activity.set()


def start_in_worker(**_: Any) -> None:
    """django-q2 ``post_spawn`` receiver: every worker process runs one dispatcher."""
    global _running
    if _running is not None:
        return
    _running = dispatcher = Dispatcher()
    main = threading.main_thread()

    def serve() -> None:
        try:
            # Stops when the worker's main thread ends (django-q2 stopping or recycling
            # the worker), after finishing and recording the batch in flight.
            dispatcher.run(keep_running=main.is_alive)
        finally:
            connections.close_all()

    # Not a daemon: the interpreter waits for it to finish the batch in flight.
    threading.Thread(target=serve, name="webhook-dispatcher", daemon=False).start()
    logger.info("webhook dispatcher started")
