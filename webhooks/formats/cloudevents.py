"""CloudEvents 1.0 in structured JSON mode (https://github.com/cloudevents/spec): the
event's attributes and its data in one JSON object, sent as
``application/cloudevents+json``. The Standard Webhooks headers still sign it.

``id`` is the webhook id, so ``source`` + ``id`` name the event as the ``webhook-id``
header does: the same on every try and replay, new for a replay as new.
"""

from __future__ import annotations

from typing import Any

from webhooks.conf import conf

CONTENT_TYPE = "application/cloudevents+json"
SPEC_VERSION = "1.0"
# A non-empty URI reference names the producer when SITE_URL is not set (the spec asks for
# one; any stable value is valid).
SOURCE_WITHOUT_SITE_URL = "urn:testimonial-webhooks"


def render(payload: dict[str, Any], webhook_id: str) -> dict[str, Any]:
    data = payload.get("data")
    event: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        "id": webhook_id,
        "source": conf.site_url or SOURCE_WITHOUT_SITE_URL,
        "type": str(payload["type"]),
        "time": str(payload["timestamp"]),
        "datacontenttype": "application/json",
    }
    if subject := _subject(data):
        event["subject"] = subject
    event["data"] = data
    return event


def _subject(data: Any) -> str:
    """What the event is about, for routers that filter on ``subject`` (Knative, Event
    Grid): the testimonial, or for operational events the endpoint."""
    if not isinstance(data, dict):
        return ""
    for key, collection in (("testimonial", "testimonials"), ("endpoint", "endpoints")):
        about = data.get(key)
        if isinstance(about, dict) and about.get("id") is not None:
            return f"{collection}/{about['id']}"
    return ""
