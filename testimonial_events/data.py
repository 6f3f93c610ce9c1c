"""What receivers learn about a testimonial: the ``data`` of its events, built once when
the event happens."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from testimonials.models import ANONYMOUS, Testimonial, TestimonialMedia
from webhooks.publishing.payloads import timestamp


def _optional_timestamp(moment: datetime | None) -> str | None:
    return timestamp(moment) if moment is not None else None


def testimonial_data(testimonial: Testimonial) -> dict[str, Any]:
    """An anonymous testimonial carries no identity: its name is "Anonymous" and its
    email and company are null (SPEC §10)."""
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


def about_testimonial(
    argument: str | None = None,
) -> Callable[[Any, Mapping[str, Any]], dict[str, Any]]:
    """The data of a testimonial signal: the testimonial, and the signal's ``argument``
    (a rejection's reason, a response) under its own name."""

    def build(testimonial: Any, signal_arguments: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(testimonial, Testimonial):
            raise TypeError(f"a testimonial signal sent {testimonial!r}")
        data: dict[str, Any] = {"testimonial": testimonial_data(testimonial)}
        if argument:
            data[argument] = signal_arguments.get(argument) or ""
        return data

    return build


def about_media(media: Any, signal_arguments: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(media, TestimonialMedia):
        raise TypeError(f"testimonial_media_added sent {media!r}")
    return {"testimonial": testimonial_data(media.testimonial), "media": media_data(media)}
