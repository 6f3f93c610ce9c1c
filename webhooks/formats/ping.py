"""The chat message about a test event (``webhook.test``)."""

from __future__ import annotations

from typing import Any

from webhooks.event_types.builtin import TEST
from webhooks.formats.message import Fact, Message, Passage, Text, string_of


def test_message(payload: dict[str, Any], data: dict[str, Any]) -> Message:
    endpoint = data.get("endpoint")
    endpoint = endpoint if isinstance(endpoint, dict) else {}
    facts = []
    description = string_of(endpoint.get("description"))
    if description:
        facts.append(Fact("Endpoint", Text.of_user(description)))
    requested_by = string_of(data.get("requested_by"))
    if requested_by:
        facts.append(Fact("Requested by", Text.of_user(requested_by)))
    message = string_of(data.get("message")) or "A test event."
    return Message(
        event_type=TEST.name,
        title=TEST.heading,
        summary=[Text.ours("Test event: this channel receives our webhooks.")],
        facts=facts,
        passages=[Passage("Message", Text.ours(message))],
        footer=f"Endpoint #{endpoint.get('id')}" if endpoint.get("id") is not None else "",
        timestamp=string_of(payload.get("timestamp")),
        colour=TEST.colour,
    )
