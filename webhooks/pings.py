"""``webhook.test`` events: a signed request on demand, to check that a receiver is
reachable and verifies signatures, without touching a testimonial."""

from __future__ import annotations

from typing import Any

from webhooks import outbox
from webhooks.events import TEST_EVENT
from webhooks.models import WebhookDelivery, WebhookEndpoint


def ping_data(endpoint: WebhookEndpoint, requested_by: str = "") -> dict[str, Any]:
    return {
        "endpoint": {"id": endpoint.pk, "description": endpoint.description},
        "message": "A test event: this endpoint receives signed webhooks.",
        "requested_by": requested_by or None,
    }


def send_test_event(endpoint: WebhookEndpoint, requested_by: str = "") -> WebhookDelivery:
    """Queue a ``webhook.test`` event for ``endpoint`` alone, whatever event types it
    subscribes to; a running worker sends it. Raises EndpointDisabled when it is off."""
    endpoint.ensure_active()
    data = ping_data(endpoint, requested_by)
    event = outbox.publish(TEST_EVENT, lambda: data, endpoint_ids=[endpoint.pk])
    return WebhookDelivery.objects.get(event=event, endpoint=endpoint)
