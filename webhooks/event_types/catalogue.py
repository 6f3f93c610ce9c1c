"""The event types, described for receivers: what each means and the JSON Schema (draft
2020-12) of its ``data``, as declared (``declaring.EventType``). ``GET
/api/v1/event-types/`` and the OpenAPI document's ``webhooks`` section publish these; a
test validates every payload the product sends against them, so they cannot drift from
the data builders."""

from __future__ import annotations

from typing import Any

from webhooks.event_types import registry
from webhooks.event_types.declaring import EventType
from webhooks.event_types.schemas import SCHEMA_DIALECT, TIME


def description(event_type: str) -> str:
    return _declared(event_type).description


def data_schema(event_type: str) -> dict[str, Any]:
    return dict(_declared(event_type).schema)


def data_schemas() -> dict[str, dict[str, Any]]:
    """Every event type's data schema, in the catalogue's order."""
    return {t.name: dict(t.schema) for t in registry.all_types()}


def payload_schema(event_type: str) -> dict[str, Any]:
    """The whole request body of ``event_type``: the envelope around its data."""
    data = {k: v for k, v in data_schema(event_type).items() if k != "$schema"}
    return {
        "$schema": SCHEMA_DIALECT,
        "type": "object",
        "description": description(event_type),
        "properties": {
            "type": {"const": event_type},
            "timestamp": {**TIME, "description": "When it happened, UTC."},
            "data": data,
        },
        "required": ["type", "timestamp", "data"],
        "additionalProperties": False,
    }


def _declared(event_type: str) -> EventType:
    found = registry.get(event_type)
    if found is None:
        raise KeyError(event_type)
    return found
