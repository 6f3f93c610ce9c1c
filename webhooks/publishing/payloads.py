"""The JSON bodies of webhook requests, built once when the event happens."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from testimonials.models import ANONYMOUS, Testimonial, TestimonialMedia


def timestamp(moment: datetime) -> str:
    """UTC, microseconds, ``Z``: ``2026-11-24T10:00:00.123456Z``."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _optional_timestamp(moment: datetime | None) -> str | None:
    return timestamp(moment) if moment is not None else None


def testimonial_data(testimonial: Testimonial) -> dict[str, Any]:
    """What receivers learn about a testimonial. An anonymous one carries no identity:
    its name is "Anonymous" and its email and company are null."""
    anonymous = testimonial.is_anonymous
    category = testimonial.category
    return {
        "id": testimonial.pk,
        "slug": testimonial.slug,
        "status": testimonial.status,
        "rating": testimonial.rating,
        "title": testimonial.title,
        "content": testimonial.content,
        "author_name": ANONYMOUS if anonymous else testimonial.author_display,
        "author_email": None if anonymous else (testimonial.author_email or None),
        "company": None if anonymous else (testimonial.company or None),
        "is_anonymous": anonymous,
        "is_verified": testimonial.is_verified,
        "source": testimonial.source,
        "category": (
            {"id": category.pk, "name": category.name, "slug": category.slug}
            if category is not None
            else None
        ),
        "response": testimonial.response or None,
        "response_at": _optional_timestamp(testimonial.response_at),
        "approved_at": _optional_timestamp(testimonial.approved_at),
        "created_at": _optional_timestamp(testimonial.created_at),
        "updated_at": _optional_timestamp(testimonial.updated_at),
    }


def media_data(media: TestimonialMedia) -> dict[str, Any]:
    return {
        "id": media.pk,
        "media_type": media.media_type,
        "url": media.file.url if media.file else None,
        "title": media.title,
        "description": media.description,
        "is_primary": media.is_primary,
        "order": media.order,
        "created_at": _optional_timestamp(media.created_at),
    }


def envelope(event_type: str, data: dict[str, Any], happened_at: datetime) -> dict[str, Any]:
    return {"type": event_type, "timestamp": timestamp(happened_at), "data": data}


def encode(payload: dict[str, Any]) -> str:
    """Compact JSON, non-ASCII kept as UTF-8: the exact text of every request body."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
