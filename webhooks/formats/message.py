"""What a chat message says about an event, before any platform's markup: built from the
stored payload alone, so every try and replay of a delivery renders the same message.

Texts are marked by where they come from: ``Text.ours`` (our wording: safe to put in
markup) or ``Text.of_user`` (what the domain's users wrote: content, names, reasons; each
renderer escapes it for its markup). A domain's ``EventType.message`` builds its own
``Message`` from these; this module is its public vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from webhooks.conf import conf
from webhooks.event_types.declaring import DEFAULT_COLOUR


@dataclass(frozen=True)
class Text:
    value: str
    theirs: bool

    @classmethod
    def ours(cls, value: str) -> Text:
        return cls(value, theirs=False)

    @classmethod
    def of_user(cls, value: str) -> Text:
        return cls(value, theirs=True)


@dataclass(frozen=True)
class Fact:
    """A short labelled value: the label is ours, the value may be theirs."""

    label: str
    value: Text


@dataclass(frozen=True)
class Passage:
    """A longer labelled text shown quoted: a text a user wrote, a reason. The label may
    be a user's title: renderers treat it as the user's."""

    label: str
    text: Text


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Message:
    event_type: str
    title: str  # ours
    summary: list[Text]  # one line for notifications, pieces of either origin
    facts: list[Fact] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    footer: str = ""  # ours
    timestamp: str = ""
    colour: int = DEFAULT_COLOUR


def absolute(url: str | None) -> str | None:
    """``url`` made absolute with SITE_URL; None when that is not possible."""
    if not url:
        return None
    if url.startswith(("https://", "http://")):
        return url
    if not conf.site_url:
        return None
    return urljoin(conf.site_url.rstrip("/") + "/", url.lstrip("/"))


def admin_link(path: str | None) -> Link | None:
    """A link to an admin page (``EventType.admin_link``), when SITE_URL makes it absolute."""
    url = absolute(path)
    return Link("View in admin", url) if url else None


def string_of(value: Any) -> str:
    """``value`` if it is a string, else empty: payload fields are read defensively."""
    return value if isinstance(value, str) else ""
