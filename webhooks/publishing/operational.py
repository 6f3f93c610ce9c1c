"""Operational events (SPEC §9): the service telling subscribed receivers about itself.

An endpoint switched off (by an operator, or automatically) or back on, failing (its
streak reached WEBHOOKS_FAILING_AFTER) or recovered, and a delivery that used up its retry
schedule, are recorded through the outbox like every event: in the
transaction of the change, signed, retried and logged. ``outbox.subscribers`` sends them
only to endpoints that name the type, of the same subscriber as the endpoint they are
about or the operator's own (SPEC §11).

Switching an endpoint off is a conditional ``UPDATE`` here and nowhere else, so the admin,
the API and the dispatcher's automatic disabling announce it the same way, once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from webhooks.conf import conf
from webhooks.event_types.builtin import (
    DELIVERY_EXHAUSTED,
    ENDPOINT_DISABLED,
    ENDPOINT_ENABLED,
    ENDPOINT_FAILING,
    ENDPOINT_RECOVERED,
)
from webhooks.event_types.registry import OPERATIONAL_EVENTS
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.publishing import outbox
from webhooks.publishing.operational_data import (
    disabled_data,
    enabled_data,
    exhausted_data,
    failing_data,
    recovered_data,
)

logger = logging.getLogger(__name__)


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


def announce_failing(endpoint_id: int, last_error: str, now: datetime) -> bool:
    """``endpoint.failing`` once per streak, when the endpoint's streak has reached
    WEBHOOKS_FAILING_AFTER: a conditional ``UPDATE`` decides, so two dispatchers recording
    at once announce it once. In the recording transaction."""
    claimed = WebhookEndpoint.objects.filter(
        pk=endpoint_id,
        is_active=True,
        failing_announced_at__isnull=True,
        consecutive_failures__gte=conf.failing_after,
    ).update(failing_announced_at=now)
    if not claimed:
        return False
    description, streak, since = (
        WebhookEndpoint.objects.filter(pk=endpoint_id)
        .values_list("description", "consecutive_failures", "failing_since")
        .get()
    )
    data = failing_data(endpoint_id, description, streak, since or now, last_error)
    outbox.publish(ENDPOINT_FAILING, lambda: data, about_endpoint=endpoint_id)
    logger.warning(
        "webhook endpoint %s is failing: %s tries in a row",
        endpoint_id,
        streak,
        extra={"endpoint_id": endpoint_id},
    )
    return True


def announce_recovered(endpoint_id: int, now: datetime) -> bool:
    """``endpoint.recovered`` when an endpoint announced as failing succeeded again."""
    row = (
        WebhookEndpoint.objects.filter(pk=endpoint_id, failing_announced_at__isnull=False)
        .values_list("description", "failing_announced_at")
        .first()
    )
    if row is None:
        return False
    description, announced = row
    if announced is None:  # cleared by another recorder since (filtered on it above)
        return False
    # Conditional on what was read: a second recorder finds nothing left to announce.
    if not WebhookEndpoint.objects.filter(pk=endpoint_id, failing_announced_at=announced).update(
        failing_announced_at=None
    ):
        return False
    data = recovered_data(endpoint_id, description, announced, now)
    outbox.publish(ENDPOINT_RECOVERED, lambda: data, about_endpoint=endpoint_id)
    logger.info("webhook endpoint %s recovered", endpoint_id, extra={"endpoint_id": endpoint_id})
    return True


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
