"""The endpoints one dispatcher holds: claiming its fair share of those with work,
keeping the claims alive, noticing endpoints that changed, releasing the ones with
nothing left, and handing endpoints on (to a dispatcher with less, or when others have
waited for a free place for a turn). See ``claims`` for the database side.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from datetime import datetime

from webhooks.conf import conf
from webhooks.sending import claims, workers
from webhooks.sending.channel import Channel
from webhooks.sending.scheduler import Scheduler

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
    def __init__(self, scheduler: Scheduler) -> None:
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.scheduler = scheduler
        self.alive = 1  # dispatchers running, this one included
        started = time.monotonic()
        self._renewed = self._turns_checked = started
        self._checked = 0.0  # at once: say that this one is running
        scheduler.send_until(started + send_window())

    def held(self) -> set[int]:
        return {channel.id for channel in self.scheduler.channels()}

    def claim(self, now: datetime) -> int:
        """Claims waiting endpoints, up to the free places and this dispatcher's fair
        share of the endpoints with work."""
        held = self.held()
        free = conf.concurrency - len(held)
        waiting = claims.peek(free, held, now) if free > 0 else []
        if not waiting:
            return 0
        share = self._share(now, len(waiting))
        claimed = claims.claim(waiting[: share - len(held)], held, self.owner, now)
        for endpoint in claimed:
            self.scheduler.add(Channel(endpoint, now))
        return len(claimed)

    def keep(self, now: datetime) -> None:
        """Renews the claims in time, and once a second says this dispatcher is alive,
        stops channels whose endpoint changed and hands on a surplus."""
        held = self.held()
        if time.monotonic() - self._renewed >= max(0.1, send_window() / 3):
            renewed_at = time.monotonic()
            kept = claims.renew(held, self.owner, now) if held else set()
            self._renewed = renewed_at
            self.scheduler.send_until(renewed_at + send_window())
            lost = held - kept
            if lost:
                logger.warning("webhook endpoints %s: claim lost to another worker", sorted(lost))
                self.scheduler.stop(lost, "its claim was lost")
                self.scheduler.remove(lost)
                held -= lost
        if time.monotonic() - self._checked >= CHECK_SECONDS:
            self._checked = time.monotonic()
            workers.beat(self.owner, now)
            self.alive = workers.alive(now)
            current = claims.versions(held, now)
            # Only the channels whose versions were read: one the claim thread added since
            # has none in ``current`` and was stopped as changed the moment it was claimed.
            stale = [
                c.id
                for c in self.scheduler.channels()
                if c.id in held and current.get(c.id) != c.endpoint.version
            ]
            self.scheduler.stop(stale, "the endpoint changed")
            self._rebalance(now)

    def release(self, now: datetime) -> int:
        """Releases the endpoints whose channels are done, all recorded."""
        done = self.scheduler.releasable()
        self._release(done, now)
        return len(done)

    def release_all(self, now: datetime) -> None:
        self._release(self.scheduler.channels(), now)
        workers.leave(self.owner, now)

    def _release(self, channels: list[Channel], now: datetime) -> None:
        if channels:
            claims.release({c.id: c.rate_limited_until(now) for c in channels}, self.owner, now)
            self.scheduler.remove(c.id for c in channels)

    def _share(self, now: datetime, waiting: int) -> int:
        """This dispatcher's fair share of the endpoints with work: those being served
        and ``waiting`` more."""
        return workers.fair_share(claims.busy(now) + waiting, self.alive)

    def take_turns(self, now: datetime) -> None:
        """With no free place, an endpoint held past its turn is handed on when another
        endpoint is waiting, so a quiet endpoint never waits behind a backlog for long."""
        channels = self.scheduler.channels()
        moment = time.monotonic()
        if len(channels) < conf.concurrency or moment - self._turns_checked < TURN_SECONDS / 4:
            return
        self._turns_checked = moment
        overdue = sorted(
            (c for c in channels if not c.stop_reason and moment - c.claimed_at > TURN_SECONDS),
            key=lambda c: c.claimed_at,
        )
        if overdue:
            waiting = claims.peek(len(overdue), {c.id for c in channels}, now)
            self.scheduler.stop([c.id for c in overdue[: len(waiting)]], "its turn is over")

    def _rebalance(self, now: datetime) -> None:
        """Hands on endpoints beyond this dispatcher's fair share (it claimed them when
        it was alone, or others have started since), the longest held first."""
        channels = sorted(
            (c for c in self.scheduler.channels() if not c.stop_reason), key=lambda c: c.claimed_at
        )
        if len(channels) <= 1 or self.alive <= 1:
            return
        waiting = claims.peek(conf.concurrency, {c.id for c in channels}, now)
        surplus = channels[: max(0, len(channels) - self._share(now, len(waiting)))]
        if surplus:
            self.scheduler.stop([c.id for c in surplus], "another worker takes it over")
