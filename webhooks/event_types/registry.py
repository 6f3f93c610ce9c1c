"""The event types this service sends: the one registry of what each is. The catalogue
(descriptions and schemas), the receivers (which signal, which argument), the chat
formats (title, colour) and the preview (the status a sample shows) all read it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal

from testimonials import signals


@dataclass(frozen=True)
class EventType:
    name: str
    # What it means, for receivers: the catalogue, the API, the OpenAPI document.
    description: str
    # The heading and the coloured edge of its chat message (Slack, Discord, Teams).
    title: str
    colour: int
    # Where it comes from: a testimonial signal, and the signal's argument (if any) that
    # the event's data carries under the same name.
    signal: Signal | None = None
    signal_argument: str | None = None
    # The testimonial's status once it happened, for made-up samples.
    status_after: str = "pending"
    # The service telling operators about itself (webhooks/publishing/operational.py): sent only to
    # endpoints that name the type; "all events" means testimonials, not alerts.
    operational: bool = False


_OPERATIONAL_ONLY = "Sent only to endpoints that name this type."

REGISTRY: dict[str, EventType] = {
    t.name: t
    for t in (
        EventType(
            "testimonial.created",
            "A testimonial was submitted (or created in any status).",
            "New testimonial",
            0x2F80ED,
            signals.testimonial_created,
        ),
        EventType(
            "testimonial.approved",
            "A testimonial was approved: it is published.",
            "Testimonial approved",
            0x27AE60,
            signals.testimonial_approved,
            status_after="approved",
        ),
        EventType(
            "testimonial.rejected",
            "A testimonial was rejected, with the moderator's reason.",
            "Testimonial rejected",
            0xEB5757,
            signals.testimonial_rejected,
            signal_argument="reason",
            status_after="rejected",
        ),
        EventType(
            "testimonial.featured",
            "A testimonial was featured: published and highlighted.",
            "Testimonial featured",
            0xF2C94C,
            signals.testimonial_featured,
            status_after="featured",
        ),
        EventType(
            "testimonial.archived",
            "A testimonial was archived: no longer published.",
            "Testimonial archived",
            0x828282,
            signals.testimonial_archived,
            status_after="archived",
        ),
        EventType(
            "testimonial.responded",
            "A response was added to a testimonial, or changed.",
            "Response to a testimonial",
            0x9B51E0,
            signals.testimonial_responded,
            signal_argument="response",
        ),
        EventType(
            "testimonial.media_added",
            "A file (image, video, audio, document) was attached.",
            "Media added to a testimonial",
            0x2D9CDB,
            signals.testimonial_media_added,
        ),
        EventType(
            "webhook.test",
            "A test event an operator sent to one endpoint.",
            "Test event",
            0x828282,
        ),
        EventType(
            "endpoint.disabled",
            "An endpoint was switched off: by an operator, or automatically (410 Gone, or "
            "failing for WEBHOOKS_DISABLE_AFTER). Its pending deliveries wait. "
            + _OPERATIONAL_ONLY,
            "Webhook endpoint disabled",
            0xEB5757,
            operational=True,
        ),
        EventType(
            "endpoint.enabled",
            "A disabled endpoint was switched back on; its pending deliveries resume. "
            + _OPERATIONAL_ONLY,
            "Webhook endpoint enabled",
            0x27AE60,
            operational=True,
        ),
        EventType(
            "endpoint.failing",
            "An endpoint's failure streak reached WEBHOOKS_FAILING_AFTER tries in a row (3 by "
            "default): an early warning, once per streak, long before it is disabled. "
            + _OPERATIONAL_ONLY,
            "Webhook endpoint failing",
            0xF2C94C,
            operational=True,
        ),
        EventType(
            "endpoint.recovered",
            "An endpoint announced as failing answered a 2xx again: its streak is over. "
            + _OPERATIONAL_ONLY,
            "Webhook endpoint recovered",
            0x27AE60,
            operational=True,
        ),
        EventType(
            "delivery.exhausted",
            "A delivery used up its retry schedule without a 2xx and is failed; replay it "
            "once the receiver is fixed. Sent only to endpoints that name this type, and "
            "never about a delivery of an operational event.",
            "Webhook delivery failed for good",
            0xF2994A,
            operational=True,
        ),
    )
}

TESTIMONIAL_SIGNALS: dict[str, Signal] = {
    t.name: t.signal for t in REGISTRY.values() if t.signal is not None
}
TEST_EVENT = "webhook.test"
ENDPOINT_DISABLED = "endpoint.disabled"
ENDPOINT_ENABLED = "endpoint.enabled"
DELIVERY_EXHAUSTED = "delivery.exhausted"
ENDPOINT_FAILING = "endpoint.failing"
ENDPOINT_RECOVERED = "endpoint.recovered"
OPERATIONAL_EVENTS: tuple[str, ...] = tuple(t.name for t in REGISTRY.values() if t.operational)

EVENT_TYPES: tuple[str, ...] = tuple(REGISTRY)
# What an endpoint that names no event types receives.
ALL_EVENTS_TYPES: tuple[str, ...] = tuple(t.name for t in REGISTRY.values() if not t.operational)
EVENT_TYPE_CHOICES: list[tuple[str, str]] = [(name, name) for name in EVENT_TYPES]


def subscribed(chosen: list[str], event_type: str) -> bool:
    """Whether an endpoint with these ``event_types`` receives ``event_type``."""
    return event_type in chosen or (not chosen and event_type not in OPERATIONAL_EVENTS)
