"""The JSON bodies of webhook requests, built once when the event happens: the envelope
around an event type's data, and its exact text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def timestamp(moment: datetime) -> str:
    """UTC, microseconds, ``Z``: ``2026-11-24T10:00:00.123456Z``."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def envelope(event_type: str, data: dict[str, Any], happened_at: datetime) -> dict[str, Any]:
    return {"type": event_type, "timestamp": timestamp(happened_at), "data": data}


def encode(payload: dict[str, Any]) -> str:
    """Compact JSON, non-ASCII kept as UTF-8: the exact text of every request body."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
