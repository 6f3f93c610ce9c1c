"""The data of a ``webhook.test`` event: a signed request on demand, to check that a
receiver is reachable and verifies signatures, without touching the domain
(``endpoint_actions.send_test_event`` sends one)."""

from __future__ import annotations

from typing import Any

from webhooks.models import WebhookEndpoint


def ping_data(endpoint: WebhookEndpoint, requested_by: str = "") -> dict[str, Any]:
    return {
        "endpoint": {"id": endpoint.pk, "description": endpoint.description},
        "message": "A test event: this endpoint receives signed webhooks.",
        "requested_by": requested_by or None,
    }
