"""Endpoint health: failure streaks, last success/failure, automatic disabling.

Several dispatchers may record results for one endpoint at the same moment, so every
change is a single conditional ``UPDATE`` computed by the database, never a
read-modify-write in Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    DateTimeField,
    F,
    OuterRef,
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


def record_round(outcomes: Mapping[int, Sequence[Outcome]], now: datetime) -> None:
    """Every endpoint's tries of one dispatcher round (by endpoint id, each in the order
    they were made). The endpoints whose every try succeeded, a busy round's usual case,
    take one ``UPDATE`` together: on SQLite each statement of the recording transaction
    waits for the GIL behind the sender threads with the write lock held, and one per
    endpoint made a burst's recording transactions last up to a second."""
    healthy = {
        pk: tries[-1].finished_at
        for pk, tries in outcomes.items()
        if tries and all(o.succeeded for o in tries)
    }
    if healthy:
        last_success_at: Any = next(iter(healthy.values()))
        if len(healthy) > 1:
            cases = (When(pk=pk, then=Value(at)) for pk, at in healthy.items())
            last_success_at = Case(*cases, output_field=DateTimeField())
        # An endpoint announced as failing is left to record(), which says it recovered;
        # the usual round (none was) costs no statement more.
        updated = WebhookEndpoint.objects.filter(
            pk__in=healthy, failing_announced_at__isnull=True
        ).update(last_success_at=last_success_at, consecutive_failures=0, failing_since=None)
        if updated < len(healthy):
            recovering = WebhookEndpoint.objects.filter(
                pk__in=healthy, failing_announced_at__isnull=False
            ).values_list("pk", flat=True)
            healthy = {pk: at for pk, at in healthy.items() if pk not in set(recovering)}
    for pk in sorted(outcomes.keys() - healthy.keys()):
        record(pk, outcomes[pk], now)


def record(endpoint_id: int, outcomes: Sequence[Outcome], now: datetime) -> None:
    """``outcomes``: this endpoint's tries, in the order they were made."""
    if not outcomes:
        return
    last_success = max((i for i, o in enumerate(outcomes) if o.succeeded), default=None)
    failures = outcomes if last_success is None else outcomes[last_success + 1 :]
    changes: dict[str, Any] = {}
    if last_success is not None:
        # The streak restarts with whatever failed after the last success.
        changes["last_success_at"] = outcomes[last_success].finished_at
        changes["consecutive_failures"] = len(failures)
        changes["failing_since"] = failures[0].started_at if failures else None
    elif failures:
        changes["consecutive_failures"] = F("consecutive_failures") + len(failures)
        changes["failing_since"] = Coalesce(F("failing_since"), failures[0].started_at)
    if failures:
        changes["last_failure_at"] = failures[-1].finished_at
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(**changes)
    if last_success is not None:
        operational.announce_recovered(endpoint_id, now)
    if failures:
        operational.announce_failing(endpoint_id, failures[-1].error, now)

    gone = next((o for o in outcomes if o.gone), None)
    if gone is not None:
        disable(
            endpoint_id,
            now,
            f"The receiver answered 410 Gone at {gone.finished_at:%Y-%m-%d %H:%M} UTC.",
        )
    elif failures:
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
