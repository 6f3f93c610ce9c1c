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

EVENT_TYPES: tuple[str, ...] = (*TESTIMONIAL_SIGNALS, TEST_EVENT)
EVENT_TYPE_CHOICES: list[tuple[str, str]] = [(name, name) for name in EVENT_TYPES]
