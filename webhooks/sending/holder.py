"""The leases of one dispatcher over time: claiming its fair share of the endpoints with
work, renewing the leases, noticing endpoints that changed, releasing the ones with
nothing left, and handing endpoints on (to a dispatcher with less, or when others have
waited for a free place for a turn). See ``claims`` for the database side. Every timer
here reads the dispatcher's clock.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from datetime import datetime

from webhooks.conf import conf
from webhooks.sending import claims, workers
from webhooks.sending.clock import Clock
from webhooks.sending.lease import Lease
from webhooks.sending.leases import Leases

logger = logging.getLogger(__name__)

# How long a dispatcher with no free place keeps an endpoint while others wait for one.
TURN_SECONDS = 1.0
# How often the endpoints in hand are checked for changes (URL, secret, limits, disabled),
# and this dispatcher says it is alive.
CHECK_SECONDS = 1.0


def send_window() -> float:
    """How long after renewing its claims a dispatcher may start requests: a request
    started at the end still ends (its timeout) before the claims could run out. (A
    lease shorter than the timeout is refused by check webhooks.E003; a third, then.)"""
    lease = conf.lease.total_seconds()
    return max(lease - conf.timeout, lease / 3)


class Holder:
    def __init__(self, leases: Leases, clock: Clock) -> None:
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.leases = leases
        self.clock = clock
        self.alive = 1  # dispatchers running, this one included
        started = clock.monotonic()
        self._renewed = self._turns_checked = started
        self._checked = float("-inf")  # at once: say that this one is running
        leases.send_until(started + send_window())

    def claim(self, now: datetime) -> int:
        """Claims waiting endpoints, up to the free places and this dispatcher's fair
        share of the endpoints with work."""
        held = self.leases.ids()
        free = conf.concurrency - len(held)
        waiting = claims.peek(free, held, now) if free > 0 else []
        if not waiting:
            return 0
        share = self._share(now, len(waiting))
        claimed = claims.claim(waiting[: share - len(held)], held, self.owner, now)
        for endpoint in claimed:
            self.leases.add(endpoint, now)
        return len(claimed)

    def keep(self, now: datetime) -> None:
        """Renews the claims in time, and once a second says this dispatcher is alive,
        stops leases whose endpoint changed and hands on a surplus."""
        held = self.leases.ids()
        if self.clock.monotonic() - self._renewed >= max(0.1, send_window() / 3):
            renewed_at = self.clock.monotonic()
            kept = claims.renew(held, self.owner, now) if held else set()
            self._renewed = renewed_at
            self.leases.send_until(renewed_at + send_window())
            lost = held - kept
            if lost:
                logger.warning("webhook endpoints %s: claim lost to another worker", sorted(lost))
                self.leases.remove(self.leases.stop(lost, "its claim was lost"))
                held -= lost
        if self.clock.monotonic() - self._checked >= CHECK_SECONDS:
            self._checked = self.clock.monotonic()
            workers.beat(self.owner, now)
            self.alive = workers.alive(now)
            current = claims.versions(held, now)
            # Only the leases whose versions were read: one the claim thread added since
            # has none in ``current`` and was stopped as changed the moment it was claimed.
            stale = [
                lease.id
                for lease in self.leases.all()
                if lease.id in held and current.get(lease.id) != lease.endpoint.version
            ]
            self.leases.stop(stale, "the endpoint changed")
            self._rebalance(now)

    def release(self, now: datetime) -> int:
        """Releases the leases that are done, all recorded."""
        done = self.leases.done()
        self._release(done, now)
        return len(done)

    def release_all(self, now: datetime) -> None:
        self._release(self.leases.all(), now)
        workers.leave(self.owner, now)

    def _release(self, leases: list[Lease], now: datetime) -> None:
        if leases:
            handed_on = {lease.id: lease.rate_limited_until(now) for lease in leases}
            claims.release(handed_on, self.owner, now)
            self.leases.remove(leases)

    def _share(self, now: datetime, waiting: int) -> int:
        """This dispatcher's fair share of the endpoints with work: those being served
        and ``waiting`` more."""
        return workers.fair_share(claims.busy(now) + waiting, self.alive)

    def take_turns(self, now: datetime) -> None:
        """With no free place, an endpoint held past its turn is handed on when another
        endpoint is waiting, so a quiet endpoint never waits behind a backlog for long."""
        held = self.leases.all()
        moment = self.clock.monotonic()
        if len(held) < conf.concurrency or moment - self._turns_checked < TURN_SECONDS / 4:
            return
        self._turns_checked = moment
        overdue = sorted(
            (
                lease
                for lease in held
                if not lease.stop_reason and moment - lease.claimed_at > TURN_SECONDS
            ),
            key=lambda lease: lease.claimed_at,
        )
        if overdue:
            waiting = claims.peek(len(overdue), {lease.id for lease in held}, now)
            for lease in overdue[: len(waiting)]:
                lease.stop("its turn is over")

    def _rebalance(self, now: datetime) -> None:
        """Hands on endpoints beyond this dispatcher's fair share (it claimed them when
        it was alone, or others have started since), the longest held first."""
        held = sorted(
            (lease for lease in self.leases.all() if not lease.stop_reason),
            key=lambda lease: lease.claimed_at,
        )
        if len(held) <= 1 or self.alive <= 1:
            return
        waiting = claims.peek(conf.concurrency, {lease.id for lease in held}, now)
        for lease in held[: max(0, len(held) - self._share(now, len(waiting)))]:
            lease.stop("another worker takes it over")
