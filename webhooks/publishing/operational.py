"""Operational events (SPEC §9): the service telling subscribed receivers about itself.

An endpoint switched off (by an operator, or automatically) or back on, and a delivery
that used up its retry schedule, are recorded through the outbox like every event: in the
transaction of the change, signed, retried and logged. ``outbox.subscribers`` sends them
only to endpoints that name the type, of the same subscriber as the endpoint they are
about or the operator's own (SPEC §11).

Switching an endpoint off is a conditional ``UPDATE`` here and nowhere else, so the admin,
the API and the dispatcher's automatic disabling announce it the same way, once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from webhooks.conf import conf
from webhooks.durations import format_duration
from webhooks.event_types.registry import (
    DELIVERY_EXHAUSTED,
    ENDPOINT_DISABLED,
    ENDPOINT_ENABLED,
    OPERATIONAL_EVENTS,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.publishing import outbox, payloads

logger = logging.getLogger(__name__)


def _endpoint(endpoint_id: int, description: str) -> dict[str, Any]:
    # No URL: a Slack or Discord webhook URL is itself the credential.
    return {"id": endpoint_id, "description": description}


def disable(
    endpoint_id: int, reason: str, now: datetime, *, automatic: bool, **only_if: Any
) -> bool:
    """Switches the endpoint off if it is on (and ``only_if`` holds), announcing it with
    ``endpoint.disabled``. Whether it was switched off by this call."""
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True, **only_if).update(
            is_active=False, disabled_at=now, disabled_reason=reason, updated_at=now
        )
        if changed:
            description = (
                WebhookEndpoint.objects.filter(pk=endpoint_id)
                .values_list("description", flat=True)
                .get()
            )
            data = disabled_data(endpoint_id, description, reason, automatic, now)
            outbox.publish(ENDPOINT_DISABLED, lambda: data, about_endpoint=endpoint_id)
    if changed:
        logger.warning(
            "webhook endpoint %s disabled: %s",
            endpoint_id,
            reason,
            extra={"endpoint_id": endpoint_id},
        )
    return bool(changed)


def announce_enabled(endpoint: WebhookEndpoint, now: datetime) -> None:
    """``endpoint.enabled``, in the caller's transaction (``WebhookEndpoint.enable``)."""
    data = enabled_data(endpoint.pk, endpoint.description, now)
    outbox.publish(ENDPOINT_ENABLED, lambda: data, about_endpoint=endpoint.pk)
    logger.info("webhook endpoint %s enabled", endpoint.pk, extra={"endpoint_id": endpoint.pk})


def announce_exhausted(delivery_ids: Sequence[int]) -> None:
    """``delivery.exhausted`` for each of these deliveries, just settled as failed, in the
    recording transaction. Deliveries of operational events are left out: a receiver
    failing every ``delivery.exhausted`` would otherwise be told about it forever."""
    if not delivery_ids or not outbox.subscribers(DELIVERY_EXHAUSTED):
        return
    rows = (
        WebhookDelivery.objects.filter(id__in=delivery_ids)
        .exclude(event__type__in=OPERATIONAL_EVENTS)
        .values_list(*EXHAUSTED_COLUMNS)
        .order_by("id")
    )
    for row in rows:
        data = exhausted_data(*row)
        outbox.publish(
            DELIVERY_EXHAUSTED,
            lambda data=data: data,  # type: ignore[misc]
            about_endpoint=row[EXHAUSTED_COLUMNS.index("endpoint_id")],
        )


EXHAUSTED_COLUMNS = (
    "id",
    "attempts",
    "last_status_code",
    "last_error",
    "endpoint_id",
    "endpoint__description",
    "event_id",
    "event__type",
    "event__created_at",
)


def disabled_data(
    endpoint_id: int, description: str, reason: str, automatic: bool, now: datetime
) -> dict[str, Any]:
    return {
        "endpoint": _endpoint(endpoint_id, description),
        "reason": reason,
        "automatic": automatic,
        "disabled_at": payloads.timestamp(now),
    }


def enabled_data(endpoint_id: int, description: str, now: datetime) -> dict[str, Any]:
    return {"endpoint": _endpoint(endpoint_id, description), "enabled_at": payloads.timestamp(now)}


def exhausted_data(
    delivery_id: int,
    attempts: int,
    status_code: int | None,
    error: str,
    endpoint_id: int,
    description: str,
    event_id: Any,
    event_type: str,
    created_at: datetime,
) -> dict[str, Any]:
    return {
        "delivery": {
            "id": delivery_id,
            "attempts": attempts,
            "last_status_code": status_code,
            "last_error": error,
        },
        "endpoint": _endpoint(endpoint_id, description),
        "event": {
            "id": str(event_id),
            "type": event_type,
            "timestamp": payloads.timestamp(created_at),
        },
    }


def failing_reason(period: timedelta, tries: int, last_error: str) -> str:
    """Why an endpoint was switched off for failing too long (WEBHOOKS_DISABLE_AFTER)."""
    return (
        f"Disabled automatically: every try failed for more than {format_duration(period)} "
        f"(at least {tries} tries). Last error: {last_error}"
    )


def sample_data(
    event_type: str, endpoint_id: int, description: str, now: datetime
) -> dict[str, Any]:
    """Made-up ``data`` of an operational event, for the admin's preview."""
    if event_type == ENDPOINT_DISABLED:
        reason = failing_reason(
            conf.disable_after, conf.disable_after_failures, "HTTP 503 Service Unavailable"
        )
        return disabled_data(endpoint_id, description, reason, True, now)
    if event_type == ENDPOINT_ENABLED:
        return enabled_data(endpoint_id, description, now)
    return exhausted_data(
        1,
        10,
        503,
        "HTTP 503 Service Unavailable",
        endpoint_id,
        description,
        "2c1d4a4e-8f43-4a3f-9b7e-5d0c0e6a1f00",
        "testimonial.approved",
        now,
    )
