"""What an endpoint would receive for an event type: the exact request body in its
format, the message as a person reads it, and whether its filter lets the event through.
Built from the latest real event of that type, or from a sample when there is none yet.
The admin's preview page shows it; the body comes from the same ``formats.render`` the
dispatchers call."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from webhooks import formats
from webhooks.event_types import registry
from webhooks.event_types.builtin import TEST_EVENT
from webhooks.event_types.registry import OPERATIONAL_EVENTS, subscribed
from webhooks.models import WebhookEndpoint, WebhookEvent
from webhooks.publishing import operational_data, payloads, pings

# The webhook id a made-up event is shown with (CloudEvents carries it in the body).
SAMPLE_ID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Preview:
    event_type: str
    source: str  # where the event comes from, in words
    event: WebhookEvent | None  # the real event shown, if any
    body: str  # the exact request body
    pretty_body: str
    text: str  # the chat message as a person reads it; empty for the standard format
    subscribed: bool
    passes_filter: bool

    @property
    def would_send(self) -> bool:
        return self.subscribed and self.passes_filter


def preview(endpoint: WebhookEndpoint, event_type: str, real_events: bool = True) -> Preview:
    """``real_events=False`` always builds a sample: for people not allowed to read the
    event log, whose payloads hold the domains' personal data."""
    event = None
    if real_events:
        event = WebhookEvent.objects.filter(type=event_type).order_by("-created_at").first()
    if event is not None:
        payload = event.payload
        source = f"the latest {event_type} event ({event.id}, {event.created_at:%Y-%m-%d %H:%M})"
    else:
        payload = payloads.encode(
            payloads.envelope(event_type, sample_data(event_type, endpoint), timezone.now())
        )
        source = f"a sample {event_type} event (none has happened yet)"
    body = formats.render(endpoint.format, payload, str(event.id) if event else SAMPLE_ID)
    data = json.loads(payload).get("data", {})
    receives = event_type == TEST_EVENT or subscribed(endpoint.event_types, event_type)
    return Preview(
        event_type=event_type,
        source=source,
        event=event,
        body=body,
        pretty_body=json.dumps(json.loads(body), indent=2, ensure_ascii=False),
        text=formats.as_text(endpoint.format, body),
        subscribed=receives,
        # Test events are sent to the endpoint named, whatever its filter.
        passes_filter=event_type == TEST_EVENT or endpoint.wants(data),
    )


def sample_data(event_type: str, endpoint: WebhookEndpoint) -> dict[str, Any]:
    """The ``data`` of a made-up event of ``event_type``, shaped as real ones are: as its
    declaration's ``sample`` makes it; empty for a type that declares none."""
    if event_type == TEST_EVENT:
        return pings.ping_data(endpoint, "the preview")
    moment = timezone.now()
    if event_type in OPERATIONAL_EVENTS:
        return operational_data.sample_data(
            event_type, endpoint.pk or 0, endpoint.description, moment
        )
    declared = registry.get(event_type)
    if declared is None or declared.sample is None:
        return {}
    return declared.sample(moment)
