"""What paces one endpoint's requests besides its limit: its rate limit, and how quickly
its receiver answers (which decides whether more than one request in flight is worth it).
Plain values, kept by the endpoint's ``Lease`` under its lock."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

# A receiver whose quick answers take longer is worth more than one request in flight.
SLOW_RECEIVER_SECONDS = 0.005
# The answers a receiver is judged by: the last 32, by their quickest eighth.
JUDGED_ANSWERS = 32
QUICK_SHARE = 8
INFINITE = float("inf")


class RateLimit:
    """Requests start at least ``1 / per_second`` seconds apart, for the whole cluster:
    the moment of the next free start goes with the lease when it is released
    (``rate_limited_until``) and the next holder starts from it."""

    def __init__(self, per_second: float | None, handed_on: float | None, moment: float) -> None:
        self.interval = 1 / per_second if per_second else 0.0
        # The clock's moment before which no request may start.
        self.next_start = moment + max(0.0, handed_on or 0.0) if self.interval else 0.0

    def started(self, moment: float) -> None:
        if self.interval:
            self.next_start = max(self.next_start, moment) + self.interval

    def until(self, moment: float, now: datetime) -> datetime | None:
        """When the next request may start, as a time to hand on; None if it may now."""
        ahead = self.next_start - moment
        return now + timedelta(seconds=ahead) if self.interval and ahead > 0 else None


class ReceiverLatency:
    """How long the receiver itself takes to answer, judged by the quick end of its last
    answers (the eighth-quickest of them). A request's time includes waiting for the
    interpreter lock, which only ever adds, so the quick end tells the receiver's own
    latency even in a busy process (the minimum-RTT idea of TCP BBR). Not the very
    quickest: one quick answer among slow ones (the first on a new connection, before
    delayed ACKs set in, or a receiver's cache) would stand for a slow receiver."""

    def __init__(self) -> None:
        self._durations: deque[float] = deque(maxlen=JUDGED_ANSWERS)
        self.quick = INFINITE

    def answered(self, seconds: float) -> None:
        self._durations.append(seconds)
        ranked = sorted(self._durations)
        self.quick = ranked[len(ranked) // QUICK_SHARE]

    @property
    def slow(self) -> bool:
        """Known to be slow: nothing answered yet counts as fast."""
        return SLOW_RECEIVER_SECONDS < self.quick < INFINITE
