"""The event types webhooks sends of its own accord: the test event an operator sends,
and the operational events (the service telling operators about itself, sent only to
endpoints that name them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from webhooks.event_types.declaring import EventType
from webhooks.event_types.schemas import SCHEMA_DIALECT, TIME, closed, event_data

TEST_EVENT = "webhook.test"
ENDPOINT_DISABLED = "endpoint.disabled"
ENDPOINT_ENABLED = "endpoint.enabled"
ENDPOINT_FAILING = "endpoint.failing"
ENDPOINT_RECOVERED = "endpoint.recovered"
DELIVERY_EXHAUSTED = "delivery.exhausted"

_OPERATIONAL_ONLY = "Sent only to endpoints that name this type."

ENDPOINT = closed(
    "The endpoint concerned. Its URL is left out: chat webhook URLs are secrets.",
    id={"type": "integer"},
    description={"type": "string"},
)


def endpoint_subject(data: Mapping[str, Any]) -> str | None:
    """CloudEvents ``subject`` of webhooks' own events: the endpoint they are about."""
    endpoint = data.get("endpoint")
    if isinstance(endpoint, Mapping) and endpoint.get("id") is not None:
        return f"endpoints/{endpoint['id']}"
    return None


def _operational(name: str, description: str, title: str, colour: int, **data: object) -> EventType:
    return EventType(
        name,
        description,
        schema=event_data(description, **data),
        title=title,
        colour=colour,
        subject=endpoint_subject,
        operational=True,
    )


TEST = EventType(
    TEST_EVENT,
    "A test event an operator sent to one endpoint.",
    schema={
        "$schema": SCHEMA_DIALECT,
        "type": "object",
        "description": "Sent on demand to one endpoint, to check that it receives and verifies.",
        "properties": {
            "endpoint": {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "description": {"type": "string"}},
                "required": ["id", "description"],
                "additionalProperties": False,
            },
            "message": {"type": "string"},
            "requested_by": {"type": ["string", "null"]},
        },
        "required": ["endpoint", "message", "requested_by"],
        "additionalProperties": False,
    },
    title="Test event",
    colour=0x828282,
    subject=endpoint_subject,
)

OPERATIONAL = (
    _operational(
        ENDPOINT_DISABLED,
        "An endpoint was switched off: by an operator, or automatically (410 Gone, or "
        "failing for WEBHOOKS_DISABLE_AFTER). Its pending deliveries wait. " + _OPERATIONAL_ONLY,
        "Webhook endpoint disabled",
        0xEB5757,
        endpoint=ENDPOINT,
        reason={"type": "string"},
        automatic={"type": "boolean", "description": "Disabled by the service, not a person."},
        disabled_at=TIME,
    ),
    _operational(
        ENDPOINT_ENABLED,
        "A disabled endpoint was switched back on; its pending deliveries resume. "
        + _OPERATIONAL_ONLY,
        "Webhook endpoint enabled",
        0x27AE60,
        endpoint=ENDPOINT,
        enabled_at=TIME,
    ),
    _operational(
        ENDPOINT_FAILING,
        "An endpoint's failure streak reached WEBHOOKS_FAILING_AFTER tries in a row (3 by "
        "default): an early warning, once per streak, long before it is disabled. "
        + _OPERATIONAL_ONLY,
        "Webhook endpoint failing",
        0xF2C94C,
        endpoint=ENDPOINT,
        consecutive_failures={
            "type": "integer",
            "minimum": 1,
            "description": "Failed tries in a row so far.",
        },
        failing_since={**TIME, "description": "When the first failed try of the streak began."},
        last_error={"type": "string"},
    ),
    _operational(
        ENDPOINT_RECOVERED,
        "An endpoint announced as failing answered a 2xx again: its streak is over. "
        + _OPERATIONAL_ONLY,
        "Webhook endpoint recovered",
        0x27AE60,
        endpoint=ENDPOINT,
        failing_announced_at={**TIME, "description": "When endpoint.failing was sent about it."},
        recovered_at=TIME,
    ),
    _operational(
        DELIVERY_EXHAUSTED,
        "A delivery used up its retry schedule without a 2xx and is failed; replay it "
        "once the receiver is fixed. Sent only to endpoints that name this type, and "
        "never about a delivery of an operational event.",
        "Webhook delivery failed for good",
        0xF2994A,
        delivery=closed(
            "The delivery that failed.",
            id={"type": "integer"},
            attempts={"type": "integer", "minimum": 1},
            last_status_code={"type": ["integer", "null"]},
            last_error={"type": "string"},
        ),
        endpoint=ENDPOINT,
        event=closed(
            "The event it carried; its id is the webhook-id header it was sent with.",
            id={"type": "string", "format": "uuid"},
            type={"type": "string"},
            timestamp=TIME,
        ),
    ),
)

BY_NAME: dict[str, EventType] = {t.name: t for t in (TEST, *OPERATIONAL)}
