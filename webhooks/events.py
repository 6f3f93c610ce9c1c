"""The event types this service sends, and which testimonial signal each comes from."""

from __future__ import annotations

from django.dispatch import Signal

from testimonials import signals

TESTIMONIAL_SIGNALS: dict[str, Signal] = {
    "testimonial.created": signals.testimonial_created,
    "testimonial.approved": signals.testimonial_approved,
    "testimonial.rejected": signals.testimonial_rejected,
    "testimonial.featured": signals.testimonial_featured,
    "testimonial.archived": signals.testimonial_archived,
    "testimonial.responded": signals.testimonial_responded,
    "testimonial.media_added": signals.testimonial_media_added,
}

TEST_EVENT = "webhook.test"

# The service telling operators about itself (webhooks/operational.py). Sent only to
# endpoints that name them: an endpoint subscribed to "all events" wants testimonials,
# not alerts it never asked for.
ENDPOINT_DISABLED = "endpoint.disabled"
ENDPOINT_ENABLED = "endpoint.enabled"
DELIVERY_EXHAUSTED = "delivery.exhausted"
OPERATIONAL_EVENTS: tuple[str, ...] = (ENDPOINT_DISABLED, ENDPOINT_ENABLED, DELIVERY_EXHAUSTED)

EVENT_TYPES: tuple[str, ...] = (*TESTIMONIAL_SIGNALS, TEST_EVENT, *OPERATIONAL_EVENTS)
# What an endpoint that names no event types receives.
ALL_EVENTS_TYPES: tuple[str, ...] = (*TESTIMONIAL_SIGNALS, TEST_EVENT)
EVENT_TYPE_CHOICES: list[tuple[str, str]] = [(name, name) for name in EVENT_TYPES]


def subscribed(chosen: list[str], event_type: str) -> bool:
    """Whether an endpoint with these ``event_types`` receives ``event_type``."""
    return event_type in chosen or (not chosen and event_type not in OPERATIONAL_EVENTS)
