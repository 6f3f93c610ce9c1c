"""The JSON Schemas (draft 2020-12) of the testimonials' event data. A test validates
every payload the product sends against them, so they cannot drift from ``data``."""

from __future__ import annotations

from typing import Any

from webhooks.event_types.schemas import OPTIONAL_TIME, event_data

TESTIMONIAL: dict[str, Any] = {
    "type": "object",
    "description": "The testimonial as it was when the event happened. An anonymous one "
    'carries no identity: author_name is "Anonymous", author_email and company are null.',
    "properties": {
        "id": {"type": "integer"},
        "slug": {"type": "string"},
        "status": {"enum": ["pending", "approved", "rejected", "featured", "archived"]},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
        "title": {"type": "string"},
        "content": {"type": "string"},
        "author_name": {"type": "string"},
        "author_email": {"type": ["string", "null"]},
        "company": {"type": ["string", "null"]},
        "is_anonymous": {"type": "boolean"},
        "is_verified": {"type": "boolean"},
        "source": {
            "enum": ["website", "mobile_app", "email", "third_party", "social_media", "other"]
        },
        "category": {
            "type": ["object", "null"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "slug": {"type": "string"},
            },
            "required": ["id", "name", "slug"],
            "additionalProperties": False,
        },
        "response": {"type": ["string", "null"]},
        "response_at": OPTIONAL_TIME,
        "approved_at": OPTIONAL_TIME,
        "created_at": OPTIONAL_TIME,
        "updated_at": OPTIONAL_TIME,
    },
    "additionalProperties": False,
}
TESTIMONIAL["required"] = list(TESTIMONIAL["properties"])

MEDIA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "media_type": {"enum": ["image", "video", "audio", "document"]},
        "url": {"type": ["string", "null"], "description": "Absolute when MEDIA_URL is."},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "is_primary": {"type": "boolean"},
        "order": {"type": "integer", "minimum": 0},
        "created_at": OPTIONAL_TIME,
    },
    "additionalProperties": False,
}
MEDIA["required"] = list(MEDIA["properties"])


def data_schema(description: str, **extra: Any) -> dict[str, Any]:
    """A testimonial event's data: the testimonial, and what else its signal carries."""
    return event_data(description, testimonial=TESTIMONIAL, **extra)
