"""The one clock the sender schedules by.

Leases, rate limits, pauses, retry times and when to record are all read from the
dispatcher's ``Clock``; so are a try's start and end. Tests hand the dispatcher a clock
they move by hand (``tests/support/clock.py``), so a rate limit of one request every two
seconds, or a lease running out, is tested without waiting for it.

A thread that has nothing to do until a moment of this clock waits through ``wait``:
the system clock waits on the condition for real, a test's clock moves itself forward
instead.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from django.utils import timezone


class Clock:
    def monotonic(self) -> float:
        """Seconds for intervals and deadlines: never goes back."""
        return time.monotonic()

    def now(self) -> datetime:
        """The time stored and compared with the database's columns."""
        return timezone.now()

    def wait(self, condition: threading.Condition, seconds: float) -> None:
        """With ``condition`` held: waits until notified or for ``seconds`` of this
        clock, whichever comes first."""
        condition.wait(seconds)


SYSTEM_CLOCK = Clock()
