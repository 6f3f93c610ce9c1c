"""Chat messages about the service itself: an endpoint switched off or on, failing or
recovered, a delivery that gave up. Endpoint descriptions and receivers' error texts are
not ours: they are marked as the user's, and escaped by each renderer."""

from __future__ import annotations

from typing import Any

from webhooks.event_types.builtin import (
    BY_NAME,
    DELIVERY_EXHAUSTED,
    ENDPOINT_DISABLED,
    ENDPOINT_FAILING,
)
from webhooks.formats.message import Fact, Message, Passage, Text, string_of


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _endpoint_name(endpoint: dict[str, Any]) -> Text:
    description = string_of(endpoint.get("description"))
    if description:
        return Text.of_user(description)
    return Text.ours(f"Endpoint #{endpoint.get('id')}")


def build(event_type: str, payload: dict[str, Any], data: dict[str, Any]) -> Message:
    endpoint = _dict(data.get("endpoint"))
    name = _endpoint_name(endpoint)
    declared = BY_NAME[event_type]
    title = declared.heading
    facts = [Fact("Endpoint", name)]
    passages = []
    if event_type == ENDPOINT_DISABLED:
        how = "automatically" if data.get("automatic") else "by an operator"
        facts.append(Fact("Disabled", Text.ours(how)))
        passages.append(Passage("Reason", Text.of_user(string_of(data.get("reason")))))
    elif event_type == ENDPOINT_FAILING:
        streak = data.get("consecutive_failures", "?")
        facts.append(Fact("Failed tries in a row", Text.ours(str(streak))))
        passages.append(Passage("Last error", Text.of_user(string_of(data.get("last_error")))))
    elif event_type == DELIVERY_EXHAUSTED:
        delivery = _dict(data.get("delivery"))
        event = _dict(data.get("event"))
        facts.append(Fact("Event", Text.of_user(string_of(event.get("type")))))
        facts.append(Fact("Tries", Text.ours(str(delivery.get("attempts", "?")))))
        passages.append(Passage("Last error", Text.of_user(string_of(delivery.get("last_error")))))
    return Message(
        event_type=event_type,
        title=title,
        summary=[Text.ours(f"{title}: "), name],
        facts=facts,
        passages=passages,
        footer=f"Endpoint #{endpoint.get('id')}" if endpoint.get("id") is not None else "",
        timestamp=string_of(payload.get("timestamp")),
        colour=declared.colour,
    )
