"""Endpoint health: failure streaks, last success/failure, automatic disabling.

Health follows when tries happened, not the order their results are recorded: with
tries in flight at once, a dispatcher may record a success before failures that
happened earlier, and those must not start a streak. A failure counts when it started
at or after the last success finished, whichever round recorded that success; a success
ends the streak when it finished after the streak's first failure started (``Streak``).
Several dispatchers may record results for one endpoint at the same moment, so an
endpoint's row is locked while its streak is worked out (``FOR NO KEY UPDATE``; on
SQLite the recording transaction already holds the only write lock).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    DateTimeField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from webhooks.conf import conf
from webhooks.models import EndpointHour, WebhookEndpoint
from webhooks.publishing import operational, operational_data
from webhooks.sending.attempt import Outcome
from webhooks.sending.tally import hour_of

STREAK_FIELDS = ("last_success_at", "consecutive_failures", "failing_since", "last_failure_at")


@dataclass(frozen=True)
class Streak:
    """What an endpoint's row says of its health; ``after`` counts more tries in."""

    last_success_at: datetime | None
    consecutive_failures: int
    failing_since: datetime | None
    last_failure_at: datetime | None
    recovered: bool = False  # a success of the tries started the streak again
    counted: int = 0  # failures of the tries that count in the streak

    def after(self, tries: Sequence[Outcome]) -> Streak:
        """The streak once ``tries`` (any order) are counted by when they happened: a
        success at the moment it finished, a failure at the moment it started."""

        def moment(outcome: Outcome) -> datetime:
            return outcome.finished_at if outcome.succeeded else outcome.started_at

        streak = replace(self, recovered=False, counted=0)
        for outcome in sorted(tries, key=moment):
            streak = streak._success(outcome) if outcome.succeeded else streak._failure(outcome)
        return streak

    def _success(self, outcome: Outcome) -> Streak:
        finished = outcome.finished_at
        if self.last_success_at is not None and finished <= self.last_success_at:
            return self  # an older success, recorded late: the newer one stands
        if self.failing_since is not None and finished <= self.failing_since:
            # Newer than the last success but older than every failure of the streak.
            return replace(self, last_success_at=finished)
        # It finished after the streak began: the streak starts again from it. (Its
        # failures that started after it and were recorded before are not told apart
        # from the others: the streak restarts at the count of what comes next.)
        return replace(
            self,
            last_success_at=finished,
            consecutive_failures=0,
            failing_since=None,
            recovered=True,
        )

    def _failure(self, outcome: Outcome) -> Streak:
        last_failure = max(filter(None, [self.last_failure_at, outcome.finished_at]))
        if self.last_success_at is not None and outcome.started_at < self.last_success_at:
            # Began before the last success was known: it does not start a streak.
            return replace(self, last_failure_at=last_failure)
        return replace(
            self,
            consecutive_failures=self.consecutive_failures + 1,
            failing_since=min(filter(None, [self.failing_since, outcome.started_at])),
            last_failure_at=last_failure,
            counted=self.counted + 1,
        )

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in STREAK_FIELDS}


def record_round(outcomes: Mapping[int, Sequence[Outcome]], now: datetime) -> None:
    """Every endpoint's tries of one dispatcher round (by endpoint id). The endpoints
    whose every try succeeded after everything recorded so far, a busy round's usual
    case, take one ``UPDATE`` together: on SQLite each statement of the recording
    transaction waits for the GIL behind the sender threads with the write lock held,
    and one per endpoint made a burst's recording transactions last up to a second."""
    healthy = {
        pk: max(o.finished_at for o in tries)
        for pk, tries in outcomes.items()
        if tries and all(o.succeeded for o in tries)
    }
    if healthy:
        last_success_at: Any = next(iter(healthy.values()))
        if len(healthy) > 1:
            cases = (When(pk=pk, then=Value(at)) for pk, at in healthy.items())
            last_success_at = Case(*cases, output_field=DateTimeField())
        # Only where this success is the newest thing recorded (no streak began after
        # it); an endpoint announced as failing is left to record(), which says it
        # recovered. The usual round costs no statement more.
        newest = Q()
        for pk, at in healthy.items():
            newest |= (
                Q(pk=pk) & _older_than("last_success_at", at) & _older_than("failing_since", at)
            )
        updated = WebhookEndpoint.objects.filter(newest, failing_announced_at__isnull=True).update(
            last_success_at=last_success_at, consecutive_failures=0, failing_since=None
        )
        if updated < len(healthy):
            done = WebhookEndpoint.objects.filter(
                pk__in=healthy, failing_announced_at__isnull=True
            ).values_list("pk", "last_success_at", "consecutive_failures")
            healthy = {
                pk: at for pk, stored, streak in done if stored == healthy[pk] and not streak
            }
    for pk in sorted(outcomes.keys() - healthy.keys()):
        record(pk, outcomes[pk], now)


def _older_than(field: str, moment: datetime) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": moment})


def record(endpoint_id: int, outcomes: Sequence[Outcome], now: datetime) -> None:
    """``outcomes``: tries of this endpoint not recorded yet, in any order. In the
    recording transaction."""
    if not outcomes:
        return
    # NO KEY, as storing's lock: a plain FOR UPDATE would also block the writers whose
    # new deliveries' foreign keys check this endpoint (docs/performance.md).
    row = (
        WebhookEndpoint.objects.select_for_update(no_key=True)
        .filter(pk=endpoint_id)
        .values(*STREAK_FIELDS)
        .first()
    )
    if row is None:
        return  # deleted meanwhile
    streak = Streak(**row).after(outcomes)
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(**streak.changes())
    if streak.recovered:
        # Says so if a streak was announced (it checks, as two recorders may race).
        operational.announce_recovered(endpoint_id, now)
    failures = sorted((o for o in outcomes if not o.succeeded), key=lambda o: o.started_at)
    if streak.counted:
        operational.announce_failing(endpoint_id, failures[-1].error, now)

    gone = next((o for o in outcomes if o.gone), None)
    if gone is not None:
        disable(
            endpoint_id,
            now,
            f"The receiver answered 410 Gone at {gone.finished_at:%Y-%m-%d %H:%M} UTC.",
        )
    elif streak.counted:
        period, count = conf.disable_after, conf.disable_after_failures
        disable(
            endpoint_id,
            now,
            operational_data.failing_reason(period, count, failures[-1].error),
            consecutive_failures__gte=count,
            failing_since__lte=now - period,
        )


def disable(endpoint_id: int, now: datetime, reason: str, **only_if: Any) -> bool:
    return operational.disable(endpoint_id, reason, now, automatic=True, **only_if)


def with_recent_attempts(
    endpoints: QuerySet[WebhookEndpoint], since: datetime
) -> QuerySet[WebhookEndpoint]:
    """Annotates ``recent_attempts`` and ``recent_successes``: tries in the hours from
    ``since``'s on, and how many of them got a 2xx, from the endpoints' hourly counts
    (``EndpointHour``: a row an hour, whatever the traffic or the log's size)."""
    hours = EndpointHour.objects.filter(endpoint=OuterRef("pk"), hour__gte=hour_of(since))
    return endpoints.annotate(
        recent_attempts=_total(hours, "tries"), recent_successes=_total(hours, "successes")
    )


def _total(hours: QuerySet[EndpointHour], column: str) -> Any:
    summed = hours.order_by().values("endpoint").annotate(n=Sum(column)).values("n")
    return Coalesce(Subquery(summed), 0)
