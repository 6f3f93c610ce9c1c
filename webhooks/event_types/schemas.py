"""Building blocks of JSON Schemas (draft 2020-12) for event data, for webhooks' own event
types and for a domain's declarations."""

from __future__ import annotations

from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
OPTIONAL_TIME: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}


def closed(about: str, /, **properties: Any) -> dict[str, Any]:
    """An object with exactly these properties, each required."""
    return {
        "type": "object",
        "description": about,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def event_data(about: str, /, **properties: Any) -> dict[str, Any]:
    """The whole ``data`` of an event: a closed object, naming its dialect."""
    return {"$schema": SCHEMA_DIALECT, **closed(about, **properties)}
