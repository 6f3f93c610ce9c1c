"""CloudEvents 1.0 in structured JSON mode (https://github.com/cloudevents/spec): the
event's attributes and its data in one JSON object, sent as
``application/cloudevents+json``. The Standard Webhooks headers still sign it.

``id`` is the webhook id, so ``source`` + ``id`` name the event as the ``webhook-id``
header does: the same on every try and replay, new for a replay as new.
"""

from __future__ import annotations

from typing import Any

from webhooks.conf import conf
from webhooks.event_types import registry

CONTENT_TYPE = "application/cloudevents+json"
SPEC_VERSION = "1.0"


def render(payload: dict[str, Any], webhook_id: str) -> dict[str, Any]:
    data = payload.get("data")
    event: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        "id": webhook_id,
        # Without SITE_URL a URN names the producer: the spec asks for a non-empty URI
        # reference, and any stable one will do.
        "source": conf.site_url or f"urn:{conf.sender_name}",
        "type": str(payload["type"]),
        "time": str(payload["timestamp"]),
        "datacontenttype": "application/json",
    }
    if subject := _subject(event["type"], data):
        event["subject"] = subject
    event["data"] = data
    return event


def _subject(event_type: str, data: Any) -> str:
    """What the event is about, for routers that filter on ``subject`` (Knative, Event
    Grid): as its type declares (``EventType.subject``)."""
    declared = registry.get(event_type)
    if not isinstance(data, dict) or declared is None or declared.subject is None:
        return ""
    return declared.subject(data) or ""
