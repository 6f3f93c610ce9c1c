"""What the processes count. Counters live in the process that counted them: a qcluster's
worker processes write them to files its metrics port sums (prometheus-client's
multiprocess mode, set up in ``directories``); elsewhere they stay in memory.

Labels are bounded: event types and attempt outcomes are fixed lists, never URLs or ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from prometheus_client import Counter, Histogram, disable_created_metrics

from webhooks.event_types import registry
from webhooks.event_types.declaring import EventType

# Attempt outcomes (SPEC §9): each try is exactly one.
SUCCESS = "success"
HTTP_ERROR = "http_error"
GONE = "gone"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"
REFUSED = "refused"
OUTCOMES = (SUCCESS, HTTP_ERROR, TIMEOUT, CONNECTION_ERROR, REFUSED, GONE)

# From a fast receiver on the same network to WEBHOOKS_TIMEOUT's default (15 s) and past.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30)

# ``*_created`` series are not written in multiprocess mode; without them everywhere, a
# process's own counters and its workers' files add up sample for sample.
disable_created_metrics()  # type: ignore[no-untyped-call]

EVENTS = Counter(
    "webhooks_events",
    "Events recorded for delivery (committed), by type.",
    ["type"],
)
ATTEMPTS = Counter(
    "webhooks_attempts",
    "Delivery attempts made and recorded in the delivery log, by outcome.",
    ["outcome"],
)
ATTEMPT_DURATION = Histogram(
    "webhooks_attempt_duration_seconds",
    "How long attempts took, from sending the request to reading the answer.",
    buckets=DURATION_BUCKETS,
)
EXHAUSTED = Counter(
    "webhooks_deliveries_exhausted",
    "Deliveries that used up their retry schedule without a 2xx (now failed).",
)


# Every series from the start, at zero: rate() and alerts see a type or an outcome before
# its first occurrence, not "no data". Event types as they are declared.
for _outcome in OUTCOMES:
    ATTEMPTS.labels(outcome=_outcome)
for _builtin in registry.builtin_names():
    EVENTS.labels(type=_builtin)


def _count_from_zero(event_type: EventType) -> None:
    EVENTS.labels(type=event_type.name)


registry.when_declared(_count_from_zero)


class Attempt(Protocol):
    """What counting needs of a recorded try (``sending.attempt.Outcome``)."""

    @property
    def kind(self) -> str: ...

    @property
    def duration_ms(self) -> int: ...


def count_event(event_type: str) -> None:
    EVENTS.labels(type=event_type).inc()


def count_attempts(attempts: Iterable[Attempt], exhausted: int) -> None:
    """Called once a round of results is stored, so counts equal the delivery log."""
    for attempt in attempts:
        ATTEMPTS.labels(outcome=attempt.kind).inc()
        ATTEMPT_DURATION.observe(attempt.duration_ms / 1000)
    if exhausted:
        EXHAUSTED.inc(exhausted)
