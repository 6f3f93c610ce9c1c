"""A clock the test moves: real time plus every jump it was given.

A sender waiting for a moment (the rate limit's next start) jumps the clock there instead
of sleeping, and a test moves it on with ``advance`` (a lease to renew, a turn that is
over, a retry that is due, a pause that ends). Real time still flows underneath, so rows
the test writes with the database's own ``now`` are never in this clock's future.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from webhooks.sending.clock import Clock


class FakeClock(Clock):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.jumped = 0.0  # seconds, in all

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.jumped += seconds

    def monotonic(self) -> float:
        return super().monotonic() + self.jumped

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=self.jumped)

    def wait(self, condition: threading.Condition, seconds: float) -> None:
        self.advance(max(0.0, seconds))
