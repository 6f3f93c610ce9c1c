"""What a chat message says about an event, before any platform's markup: built from the
stored payload alone, so every try and replay of a delivery renders the same message.

Texts are marked by where they come from: ``Text.ours`` (wording of this module: safe to
put in markup) or ``Text.theirs`` (testimonial content, names, reasons: whoever
submitted a testimonial wrote them, so each renderer escapes them for its markup).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from django.urls import NoReverseMatch, reverse

from webhooks.conf import conf

DEFAULT_COLOUR = 0x828282

MAX_STARS = 5


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
    """A longer labelled text shown quoted: the testimonial, a reason, a response. The
    label is ours or the testimonial's title: renderers treat it as the user's."""

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


def stars(rating: Any) -> str:
    """``★★★★☆ 4/5``; empty when there is no rating."""
    if isinstance(rating, bool) or not isinstance(rating, int):
        return ""
    filled = max(0, min(MAX_STARS, rating))
    return "★" * filled + "☆" * (MAX_STARS - filled) + f" {rating}/{MAX_STARS}"


def absolute(url: str | None) -> str | None:
    """``url`` made absolute with SITE_URL; None when that is not possible."""
    if not url:
        return None
    if url.startswith(("https://", "http://")):
        return url
    if not conf.site_url:
        return None
    return urljoin(conf.site_url.rstrip("/") + "/", url.lstrip("/"))


def admin_link(testimonial_id: Any) -> Link | None:
    if isinstance(testimonial_id, bool) or not isinstance(testimonial_id, int):
        return None
    try:
        path = reverse("admin:testimonials_testimonial_change", args=[testimonial_id])
    except NoReverseMatch:  # pragma: no cover - the admin is always installed here
        return None
    url = absolute(path)
    return Link("View in admin", url) if url else None


def string_of(value: Any) -> str:
    """``value`` if it is a string, else empty: payload fields are read defensively."""
    return value if isinstance(value, str) else ""
