"""What a domain declares about each of its event types (SPEC §14, docs/reuse.md). One
``EventType`` per type, passed to ``webhooks.register``; everything of ``webhooks`` that
depends on a domain (the receivers, the catalogue, the chat formats, CloudEvents, the
admin's preview, who may read payloads) reads it from there.

Only ``name``, ``description``, ``signal`` and ``data`` are needed: the rest has a default
that works for any domain (any JSON object, a chat message listing the data's fields, no
subject, no link, no sample)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

if TYPE_CHECKING:
    from webhooks.formats.message import Message

# What the object a signal carries becomes in an event: (the object, the signal's other
# arguments) -> the event's ``data``, a JSON object. It decides what receivers learn: what
# is personal and must be hidden (an anonymous author's name, say) is left out here.
DataBuilder = Callable[[Any, Mapping[str, Any]], dict[str, Any]]
# (event type, the whole payload, its data) -> the chat message (Slack, Discord, Teams).
MessageBuilder = Callable[[str, Mapping[str, Any], Mapping[str, Any]], "Message"]
# An event's data -> a short text or a path, or None.
DataReader = Callable[[Mapping[str, Any]], "str | None"]

# Lowercase words joined by dots, the domain first: ``order.paid``, ``order.item.added``.
NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
DEFAULT_COLOUR = 0x828282


def _any_object() -> dict[str, Any]:
    return {"type": "object"}


@dataclass(frozen=True)
class EventType:
    name: str
    # What it means, for receivers: the catalogue, the API, the OpenAPI document.
    description: str
    # Where it comes from: a signal, and the signal's argument that carries the object.
    signal: Signal | None = None
    data: DataBuilder | None = None
    argument: str = "instance"
    # The JSON Schema (draft 2020-12) of its data: published in the catalogue, the API and
    # the OpenAPI document, and what the tests hold every payload to.
    schema: Mapping[str, Any] = field(default_factory=_any_object)
    # The heading and the coloured edge of its chat message; ``message`` builds the whole
    # message, otherwise one lists the data's fields.
    title: str = ""
    colour: int = DEFAULT_COLOUR
    message: MessageBuilder | None = None
    # CloudEvents ``subject`` (``orders/42``): what routers filter on.
    subject: DataReader | None = None
    # The path of the admin page of what the event is about, linked from chat messages.
    admin_link: DataReader | None = None
    # The data of a made-up event, for the admin's preview before a real one happened.
    sample: Callable[[datetime], dict[str, Any]] | None = None
    # The API scope a key needs, besides webhooks:read, to read these events' payloads
    # (they carry the domain's personal data).
    read_scope: str | None = None
    # The service's news about itself (endpoint.failing, …): sent only to endpoints that
    # name the type. Declared by webhooks itself.
    operational: bool = False

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ImproperlyConfigured(
                f"event type {self.name!r}: lowercase words joined by dots, e.g. order.paid"
            )
        if (self.signal is None) != (self.data is None):
            raise ImproperlyConfigured(
                f"event type {self.name!r}: a signal and the data built from what it sends "
                "go together"
            )

    @property
    def heading(self) -> str:
        return self.title or self.name
