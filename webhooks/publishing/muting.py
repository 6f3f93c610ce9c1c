"""``webhooks.muted()``: changes made inside it record no webhook event.

For bulk work (an import of old records, a data migration, a backfill) that would
otherwise send one webhook per change to every endpoint. Only the webhooks' receivers
are muted: the domain's signals are still sent, so every other receiver runs. Muting
is per thread (a web request, a command, a worker task) and nests; the outermost block
logs how many events it muted.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)

_local = threading.local()


def _counts() -> Counter[str] | None:
    return getattr(_local, "counts", None)


@contextmanager
def muted() -> Iterator[None]:
    """Inside this block, on this thread, changes record no webhook event."""
    outermost = _counts() is None
    if outermost:
        _local.counts = Counter()
    try:
        yield
    finally:
        if outermost:
            counts = _local.counts
            del _local.counts
            if counts:
                logger.info(
                    "webhooks muted: %s event(s) recorded nothing (%s)",
                    sum(counts.values()),
                    ", ".join(f"{name} {n}" for name, n in sorted(counts.items())),
                )


def swallowed(event_type: str) -> bool:
    """Whether ``event_type`` is muted here; counted for the closing log line if so."""
    counts = _counts()
    if counts is None:
        return False
    counts[event_type] += 1
    return True
