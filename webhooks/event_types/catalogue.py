"""The event types, described for receivers: what each means and the JSON Schema (draft
2020-12) of its ``data``. ``GET /api/v1/event-types/`` and the OpenAPI document's
``webhooks`` section publish these; a test validates every payload the product sends
against them, so they cannot drift from ``payloads.py``."""

from __future__ import annotations

from typing import Any

from webhooks.event_types.registry import (
    DELIVERY_EXHAUSTED,
    ENDPOINT_DISABLED,
    ENDPOINT_ENABLED,
    ENDPOINT_FAILING,
    ENDPOINT_RECOVERED,
    REGISTRY,
    TEST_EVENT,
)

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_TIME = {"type": "string", "format": "date-time"}
_OPTIONAL_TIME = {"type": ["string", "null"], "format": "date-time"}

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
        "response_at": _OPTIONAL_TIME,
        "approved_at": _OPTIONAL_TIME,
        "created_at": _OPTIONAL_TIME,
        "updated_at": _OPTIONAL_TIME,
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
        "created_at": _OPTIONAL_TIME,
    },
    "additionalProperties": False,
}
MEDIA["required"] = list(MEDIA["properties"])


def _data(description: str, **extra: Any) -> dict[str, Any]:
    properties = {"testimonial": TESTIMONIAL, **extra}
    return {
        "$schema": SCHEMA_DIALECT,
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


_TEST_DATA: dict[str, Any] = {
    "$schema": SCHEMA_DIALECT,
    "type": "object",
    "description": "Sent on demand to one endpoint, to check that it receives and verifies.",
    "properties": {
        "endpoint": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "description": {"type": "string"}},
            "required": ["id", "description"],
            "additionalProperties": False,
        },
        "message": {"type": "string"},
        "requested_by": {"type": ["string", "null"]},
    },
    "required": ["endpoint", "message", "requested_by"],
    "additionalProperties": False,
}


def _closed(about: str, /, **properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "description": about,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


ENDPOINT = _closed(
    "The endpoint concerned. Its URL is left out: chat webhook URLs are secrets.",
    id={"type": "integer"},
    description={"type": "string"},
)


def _operational(about: str, /, **properties: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA_DIALECT, **_closed(about, **properties)}


DESCRIPTIONS: dict[str, str] = {name: t.description for name, t in REGISTRY.items()}

DATA_SCHEMAS: dict[str, dict[str, Any]] = {
    "testimonial.created": _data(DESCRIPTIONS["testimonial.created"]),
    "testimonial.approved": _data(DESCRIPTIONS["testimonial.approved"]),
    "testimonial.rejected": _data(DESCRIPTIONS["testimonial.rejected"], reason={"type": "string"}),
    "testimonial.featured": _data(DESCRIPTIONS["testimonial.featured"]),
    "testimonial.archived": _data(DESCRIPTIONS["testimonial.archived"]),
    "testimonial.responded": _data(
        DESCRIPTIONS["testimonial.responded"], response={"type": "string"}
    ),
    "testimonial.media_added": _data(DESCRIPTIONS["testimonial.media_added"], media=MEDIA),
    TEST_EVENT: _TEST_DATA,
    ENDPOINT_DISABLED: _operational(
        DESCRIPTIONS[ENDPOINT_DISABLED],
        endpoint=ENDPOINT,
        reason={"type": "string"},
        automatic={"type": "boolean", "description": "Disabled by the service, not a person."},
        disabled_at=_TIME,
    ),
    ENDPOINT_ENABLED: _operational(
        DESCRIPTIONS[ENDPOINT_ENABLED], endpoint=ENDPOINT, enabled_at=_TIME
    ),
    ENDPOINT_FAILING: _operational(
        DESCRIPTIONS[ENDPOINT_FAILING],
        endpoint=ENDPOINT,
        consecutive_failures={
            "type": "integer",
            "minimum": 1,
            "description": "Failed tries in a row so far.",
        },
        failing_since={**_TIME, "description": "When the first failed try of the streak began."},
        last_error={"type": "string"},
    ),
    ENDPOINT_RECOVERED: _operational(
        DESCRIPTIONS[ENDPOINT_RECOVERED],
        endpoint=ENDPOINT,
        failing_announced_at={**_TIME, "description": "When endpoint.failing was sent about it."},
        recovered_at=_TIME,
    ),
    DELIVERY_EXHAUSTED: _operational(
        DESCRIPTIONS[DELIVERY_EXHAUSTED],
        delivery=_closed(
            "The delivery that failed.",
            id={"type": "integer"},
            attempts={"type": "integer", "minimum": 1},
            last_status_code={"type": ["integer", "null"]},
            last_error={"type": "string"},
        ),
        endpoint=ENDPOINT,
        event=_closed(
            "The event it carried; its id is the webhook-id header it was sent with.",
            id={"type": "string", "format": "uuid"},
            type={"type": "string"},
            timestamp=_TIME,
        ),
    ),
}


def payload_schema(event_type: str) -> dict[str, Any]:
    """The whole request body of ``event_type``: the envelope around its data."""
    data = {k: v for k, v in DATA_SCHEMAS[event_type].items() if k != "$schema"}
    return {
        "$schema": SCHEMA_DIALECT,
        "type": "object",
        "description": DESCRIPTIONS[event_type],
        "properties": {
            "type": {"const": event_type},
            "timestamp": {**_TIME, "description": "When it happened, UTC."},
            "data": data,
        },
        "required": ["type", "timestamp", "data"],
        "additionalProperties": False,
    }
