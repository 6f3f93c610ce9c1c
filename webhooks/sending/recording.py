"""Recording what was sent, a batch of results per transaction (``storing``), at the
pace ``Recorder`` keeps.

One result the database refuses must not stall the dispatcher: a round that fails for any
reason but an unavailable database is recorded again endpoint by endpoint, then delivery
by delivery, and a result that cannot be stored even stripped of what the receiver sent
is logged and dropped (its delivery stays pending and goes again).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from django.db import InterfaceError, OperationalError

from webhooks.sending import storing
from webhooks.sending.clock import Clock
from webhooks.sending.settling import Finished, Pause

logger = logging.getLogger(__name__)

# The database is away (down, restarting, locked): the whole round is kept and recorded
# later; splitting it would fail the same way.
UNAVAILABLE = (OperationalError, InterfaceError)


# Results stored per transaction at most. On SQLite the transaction holds the one write
# lock, and a busy dispatcher's Python work inside it waits for the GIL behind its sender
# threads: a burst's backlog stored at once held every other writer (a new event's
# claim, the API) for over a second (docs/architecture.md).
BATCH = 100
# Results are recorded at least this often while requests are in flight (at once when
# nothing is): in batches, which cost far less per result, and never so late that a
# crash would send much twice (what was sent since the last record goes again).
RECORD_SECONDS = 0.25
# A round stops recording after this long and leaves the rest to the next: the round
# renews the leases, and past the renewal window the senders stop, so a round stuck
# recording a burst's backlog for seconds held back every endpoint, the quiet ones too.
RECORD_BUDGET_SECONDS = 0.1


class Recorder:
    """The results a dispatcher has not stored yet. They are kept (and their leases
    renewed) until storing them succeeds, so a database hiccup does not turn into
    duplicate sends."""

    def __init__(self, clock: Clock, stored: Callable[[Sequence[Finished]], None]) -> None:
        self.unrecorded: list[Finished] = []
        self.unrecorded_pauses: list[Pause] = []
        self._clock = clock
        self._stored = stored  # told which results are in the database
        self._recorded_at = clock.monotonic()

    def take(self, finished: list[Finished], pauses: list[Pause]) -> None:
        self.unrecorded += finished
        self.unrecorded_pauses += pauses

    def round(self, now: datetime, sending: bool) -> bool:
        """Stores what is due (pauses at once, the rest every ``RECORD_SECONDS`` while
        requests are in flight) within the round's budget; whether some is left."""
        waiting = self.unrecorded or self.unrecorded_pauses
        due = self._clock.monotonic() - self._recorded_at >= RECORD_SECONDS
        if waiting and (due or self.unrecorded_pauses or not sending):
            self._recorded_at = self._clock.monotonic()
            self.store(now, RECORD_BUDGET_SECONDS)
        if self.unrecorded:
            self._recorded_at = float("-inf")  # the rest is due in the next round
        return bool(self.unrecorded)

    def store(self, now: datetime, budget: float | None = None) -> None:
        """Records the results in hand, a batch per transaction, for ``budget`` seconds
        at most (at least one batch); what is left, or not stored because the database
        went away, stays in hand for the next round."""
        started = self._clock.monotonic()
        cut = batches(self.unrecorded, self.unrecorded_pauses)
        for done, (finished, pauses) in enumerate(cut, start=1):
            if done > 1 and budget is not None and self._clock.monotonic() - started > budget:
                break
            record(finished, pauses, now)
            self._stored(finished)
            self.unrecorded = [result for rest, _ in cut[done:] for result in rest]
            self.unrecorded_pauses = [pause for _, rest in cut[done:] for pause in rest]


def batches(
    finished: Sequence[Finished], pauses: Sequence[Pause]
) -> list[tuple[list[Finished], list[Pause]]]:
    """``finished`` in the order the tries started, ``BATCH`` at a time; the pauses with
    the first batch. Stored in this order, each delivery's tries are numbered and settled
    as they happened, whichever batch holds them."""
    ordered = sorted(finished, key=lambda r: r.outcome.started_at)
    cut = [ordered[i : i + BATCH] for i in range(0, len(ordered), BATCH)] or [[]]
    return [(batch, list(pauses) if n == 0 else []) for n, batch in enumerate(cut)]


def record(finished: Sequence[Finished], pauses: Sequence[Pause], now: datetime) -> None:
    """Stores a round; raises only when the database is unavailable (keep it and retry)."""
    if not finished and not pauses:
        return
    try:
        storing.store(finished, pauses, now)
    except UNAVAILABLE:
        raise
    except Exception:
        logger.exception(
            "recording %s webhook results failed; recording them endpoint by endpoint",
            len(finished),
        )
        _record_separately(finished, pauses, now)


def _record_separately(
    finished: Sequence[Finished], pauses: Sequence[Pause], now: datetime
) -> None:
    by_endpoint: dict[int, list[Finished]] = defaultdict(list)
    for result in finished:
        by_endpoint[result.endpoint_id].append(result)
    for pk in sorted(by_endpoint.keys() | {p.endpoint_id for p in pauses}):
        results = by_endpoint.get(pk, [])
        own_pauses = [p for p in pauses if p.endpoint_id == pk]
        try:
            storing.store(results, own_pauses, now)
        except UNAVAILABLE:
            raise
        except Exception:
            logger.exception(
                "recording the results of webhook endpoint %s failed",
                pk,
                extra={"endpoint_id": pk},
            )
            for result in results:
                _record_alone(result, now)


def _record_alone(result: Finished, now: datetime) -> None:
    try:
        storing.store([result], [], now)
        return
    except UNAVAILABLE:
        raise
    except Exception as exc:
        problem = f"{type(exc).__name__}: {exc}"
    # What the receiver sent is the usual culprit: keep the fact of the try without it.
    stripped = replace(
        result.outcome,
        request_headers={},
        response_body="",
        error=f"the result of this try could not be stored ({problem[:300]})",
    )
    try:
        storing.store([replace(result, outcome=stripped)], [], now)
        logger.error(
            "webhook delivery %s: stored its try without the response (%s)",
            result.outcome.target.delivery_id,
            problem,
            extra=result.outcome.target.log_ids(),
        )
    except UNAVAILABLE:
        raise
    except Exception:
        logger.exception(
            "webhook delivery %s: its try cannot be stored at all and is dropped; the "
            "delivery stays pending and will be sent again",
            result.outcome.target.delivery_id,
            extra=result.outcome.target.log_ids(),
        )
