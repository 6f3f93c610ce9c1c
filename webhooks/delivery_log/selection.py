"""Which deliveries a replay takes, from the filters an operator gives: the rules that
``replay_webhooks`` and ``POST /api/v1/deliveries/replay/`` share. Each mistake is an
``InvalidSelection`` naming the filter, and nothing changes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from webhooks.durations import parse_moment
from webhooks.event_types import registry
from webhooks.exceptions import InvalidMoment
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

STATUSES = [choice.value for choice in DeliveryStatus]
LARGEST = 2**63 - 1  # a 64-bit column's largest value


class InvalidSelection(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Selection:
    """Which deliveries to replay. Every filter narrows; with none, every failed one."""

    delivery_ids: tuple[int, ...] = ()
    event_id: uuid.UUID | None = None
    endpoint_id: int | None = None
    event_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    # None: "failed", unless deliveries are named by id or event, which selects any.
    statuses: tuple[str, ...] | None = None
    limit: int | None = None

    def effective_statuses(self) -> tuple[str, ...]:
        if self.statuses is not None:
            return self.statuses
        if self.delivery_ids or self.event_id is not None:
            return ()
        return (DeliveryStatus.FAILED,)

    @property
    def names_targets(self) -> bool:
        """Whether it names deliveries or an endpoint: then a disabled endpoint among
        them refuses the whole replay, rather than quietly leaving some out."""
        return bool(self.delivery_ids) or self.endpoint_id is not None

    def queryset(self) -> QuerySet[WebhookDelivery]:
        deliveries = WebhookDelivery.objects.all()
        if self.delivery_ids:
            deliveries = deliveries.filter(id__in=self.delivery_ids)
        if self.event_id is not None:
            deliveries = deliveries.filter(event_id=self.event_id)
        if self.endpoint_id is not None:
            deliveries = deliveries.filter(endpoint_id=self.endpoint_id)
        if self.event_type is not None:
            deliveries = deliveries.filter(event__type=self.event_type)
        if self.since is not None:
            deliveries = deliveries.filter(created_at__gte=self.since)
        if self.until is not None:
            deliveries = deliveries.filter(created_at__lt=self.until)
        if statuses := self.effective_statuses():
            deliveries = deliveries.filter(status__in=statuses)
        return deliveries


def build(
    *,
    now: datetime,
    delivery: Sequence[str | int] = (),
    event: str | None = None,
    endpoint: str | int | None = None,
    event_type: str | None = None,
    since: str | None = None,
    until: str | None = None,
    status: Sequence[str] | None = None,
    limit: str | int | None = None,
) -> Selection:
    """A checked selection; raises InvalidSelection for the first filter that is wrong
    (``field`` is the filter's name: delivery, event, endpoint, type, since, until, status,
    limit)."""
    endpoint_id = None if endpoint is None else _number("endpoint", endpoint)
    if endpoint_id is not None and not WebhookEndpoint.objects.filter(pk=endpoint_id).exists():
        raise InvalidSelection("endpoint", f"there is no endpoint #{endpoint_id}")
    if event_type is not None and event_type not in registry.names():
        raise InvalidSelection(
            "type", f"{event_type!r} is not an event type; one of {', '.join(registry.names())}"
        )
    count = None if limit is None else _number("limit", limit)
    if count == 0:
        raise InvalidSelection("limit", "must be at least 1")
    return Selection(
        delivery_ids=_delivery_ids(delivery),
        event_id=_event_id(event),
        endpoint_id=endpoint_id,
        event_type=event_type,
        since=_moment("since", since, now),
        until=_moment("until", until, now),
        statuses=_statuses(status),
        limit=count,
    )


def _number(field: str, value: str | int) -> int:
    text = str(value)
    if not text.strip().isdigit():
        raise InvalidSelection(field, f"{text!r} is not a number (a positive whole number)")
    number = int(text)
    if number > LARGEST:
        raise InvalidSelection(field, f"{text!r} is larger than any id or count we keep")
    return number


def _delivery_ids(values: Sequence[str | int]) -> tuple[int, ...]:
    ids = tuple(dict.fromkeys(_number("delivery", value) for value in values))
    found = set(WebhookDelivery.objects.filter(id__in=ids).values_list("id", flat=True))
    if missing := [pk for pk in ids if pk not in found]:
        raise InvalidSelection("delivery", f"no delivery with id {', '.join(map(str, missing))}")
    return ids


def _event_id(text: str | None) -> uuid.UUID | None:
    if text is None:
        return None
    try:
        event_id = uuid.UUID(text.strip())
    except ValueError:
        raise InvalidSelection("event", f"{text!r} is not an event id (a UUID)") from None
    if not WebhookEvent.objects.filter(pk=event_id).exists():
        raise InvalidSelection("event", f"there is no event {event_id}")
    return event_id


def _moment(field: str, text: str | None, now: datetime) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_moment(text, now)
    except InvalidMoment as exc:
        raise InvalidSelection(field, str(exc)) from None


def _statuses(texts: Sequence[str] | None) -> tuple[str, ...] | None:
    if texts is None:
        return None
    wanted = [part.strip() for text in texts for part in text.split(",") if part.strip()]
    if "all" in wanted:
        return ()
    if unknown := [s for s in wanted if s not in STATUSES]:
        raise InvalidSelection(
            "status",
            f"unknown status {', '.join(map(repr, unknown))}; one of {', '.join(STATUSES)}, all",
        )
    return tuple(dict.fromkeys(wanted))
