"""The chat message about an event whose type declares no message of its own: its title,
then the data's fields as facts (a nested object's fields under its name), then a link
to the admin page it names."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from webhooks.event_types.declaring import DEFAULT_COLOUR, EventType
from webhooks.formats.message import Fact, Message, Text, admin_link, string_of

MAX_FACTS = 10


def message(
    event_type: str, declared: EventType | None, payload: Mapping[str, Any], data: Mapping[str, Any]
) -> Message:
    title = declared.heading if declared else event_type or "Event"
    facts = [Fact(label, Text.of_user(value)) for label, value in _fields(data)][:MAX_FACTS]
    link = admin_link(declared.admin_link(data)) if declared and declared.admin_link else None
    return Message(
        event_type=event_type,
        title=title,
        summary=[Text.ours(title)],
        facts=facts,
        links=[link] if link else [],
        timestamp=string_of(payload.get("timestamp")),
        colour=declared.colour if declared else DEFAULT_COLOUR,
    )


def _fields(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Label and text of each scalar field, one level of nesting deep."""
    for key, value in data.items():
        label = f"{prefix}{key}"
        if isinstance(value, Mapping) and not prefix:
            yield from _fields(value, f"{label} ")
        elif isinstance(value, bool):
            yield label, "yes" if value else "no"
        elif isinstance(value, str | int | float) and str(value):
            yield label, str(value)
