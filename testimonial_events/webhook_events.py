"""The seven testimonial signals as webhook event types (SPEC §3), declared to
``webhooks``, which imports this module when apps load."""

from __future__ import annotations

from typing import Any

from testimonial_events import data, messages, samples, schemas
from testimonials import signals
from testimonials.api.scopes import TESTIMONIALS_READ
from webhooks import EventType, register


def testimonial_event(name: str, description: str, **declared: Any) -> EventType:
    """What every testimonial event shares: its chat message, subject, admin link, and the
    scope a key needs to read payloads (authors' emails, pending testimonials)."""
    return EventType(
        name,
        description,
        message=messages.message,
        subject=messages.subject,
        admin_link=messages.admin_path,
        read_scope=TESTIMONIALS_READ,
        **declared,
    )


def _declare(
    name: str, description: str, title: str, colour: int, signal: Any, **extra: Any
) -> EventType:
    argument = extra.pop("argument", None)
    status = extra.pop("status", "pending")
    carried = {argument: {"type": "string"}} if argument else {}
    return testimonial_event(
        name,
        description,
        signal=signal,
        data=data.about_testimonial(argument),
        schema=schemas.data_schema(description, **carried),
        title=title,
        colour=colour,
        sample=samples.sample(status, **({argument: True} if argument else {})),
        **extra,
    )


_MEDIA_ADDED = "A file (image, video, audio, document) was attached."

register(
    _declare(
        "testimonial.created",
        "A testimonial was submitted (or created in any status).",
        "New testimonial",
        0x2F80ED,
        signals.testimonial_created,
    ),
    _declare(
        "testimonial.approved",
        "A testimonial was approved: it is published.",
        "Testimonial approved",
        0x27AE60,
        signals.testimonial_approved,
        status="approved",
    ),
    _declare(
        "testimonial.rejected",
        "A testimonial was rejected, with the moderator's reason.",
        "Testimonial rejected",
        0xEB5757,
        signals.testimonial_rejected,
        argument="reason",
        status="rejected",
    ),
    _declare(
        "testimonial.featured",
        "A testimonial was featured: published and highlighted.",
        "Testimonial featured",
        0xF2C94C,
        signals.testimonial_featured,
        status="featured",
    ),
    _declare(
        "testimonial.archived",
        "A testimonial was archived: no longer published.",
        "Testimonial archived",
        0x828282,
        signals.testimonial_archived,
        status="archived",
    ),
    _declare(
        "testimonial.responded",
        "A response was added to a testimonial, or changed.",
        "Response to a testimonial",
        0x9B51E0,
        signals.testimonial_responded,
        argument="response",
    ),
    testimonial_event(
        "testimonial.media_added",
        _MEDIA_ADDED,
        signal=signals.testimonial_media_added,
        data=data.about_media,
        schema=schemas.data_schema(_MEDIA_ADDED, media=schemas.MEDIA),
        title="Media added to a testimonial",
        colour=0x2D9CDB,
        sample=samples.sample("pending", media=True),
    ),
)
