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
from webhooks.events import OPERATIONAL_EVENTS

TITLES = {
    "testimonial.created": "New testimonial",
    "testimonial.approved": "Testimonial approved",
    "testimonial.rejected": "Testimonial rejected",
    "testimonial.featured": "Testimonial featured",
    "testimonial.archived": "Testimonial archived",
    "testimonial.responded": "Response to a testimonial",
    "testimonial.media_added": "Media added to a testimonial",
    "webhook.test": "Test event",
}

# One colour per kind of news, for the platforms that draw a coloured edge.
COLOURS = {
    "testimonial.created": 0x2F80ED,
    "testimonial.approved": 0x27AE60,
    "testimonial.rejected": 0xEB5757,
    "testimonial.featured": 0xF2C94C,
    "testimonial.archived": 0x828282,
    "testimonial.responded": 0x9B51E0,
    "testimonial.media_added": 0x2D9CDB,
}
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


def build(payload: dict[str, Any]) -> Message:
    event_type = str(payload.get("type", ""))
    data = payload.get("data")
    data = data if isinstance(data, dict) else {}
    if event_type == "webhook.test":
        return _test_message(payload, data)
    if event_type in OPERATIONAL_EVENTS:
        # Here, not at the top: operations builds on this module's classes.
        from webhooks.formats import operations

        return operations.build(event_type, payload, data)
    return _testimonial_message(event_type, payload, data)


def string_of(value: Any) -> str:
    """``value`` if it is a string, else empty: payload fields are read defensively."""
    return value if isinstance(value, str) else ""


def _testimonial_message(event_type: str, payload: dict[str, Any], data: dict[str, Any]) -> Message:
    testimonial = data.get("testimonial")
    testimonial = testimonial if isinstance(testimonial, dict) else {}
    title = TITLES.get(event_type, event_type or "Event")
    author = string_of(testimonial.get("author_name")) or "Anonymous"
    rating = stars(testimonial.get("rating"))
    summary = [Text.ours(f"{title}: "), Text.of_user(author)]
    if rating:
        summary.append(Text.ours(f" ({rating})"))
    facts = [Fact("From", Text.of_user(author))]
    company = string_of(testimonial.get("company"))
    if company:
        facts.append(Fact("Company", Text.of_user(company)))
    if rating:
        facts.append(Fact("Rating", Text.ours(rating)))
    category = testimonial.get("category")
    if isinstance(category, dict) and string_of(category.get("name")):
        facts.append(Fact("Category", Text.of_user(string_of(category["name"]))))
    status = string_of(testimonial.get("status"))
    if status:
        facts.append(Fact("Status", Text.ours(status)))
    passages = []
    heading = string_of(testimonial.get("title"))
    content = string_of(testimonial.get("content"))
    if content or heading:
        passages.append(Passage(heading or "Testimonial", Text.of_user(content)))
    for key, label in (("reason", "Reason"), ("response", "Response")):
        if string_of(data.get(key)):
            passages.append(Passage(label, Text.of_user(string_of(data[key]))))
    links = []
    media = data.get("media")
    if isinstance(media, dict):
        kind = string_of(media.get("media_type")) or "file"
        name = string_of(media.get("title")) or kind
        facts.append(Fact("Media", Text.of_user(f"{name} ({kind})")))
        media_url = absolute(string_of(media.get("url")))
        if media_url:
            links.append(Link(f"Open the {kind}", media_url))
    link = admin_link(testimonial.get("id"))
    if link:
        links.insert(0, link)
    number = testimonial.get("id")
    source = string_of(testimonial.get("source"))
    footer = " · ".join(
        part for part in (f"Testimonial #{number}" if number is not None else "", source) if part
    )
    return Message(
        event_type=event_type,
        title=title,
        summary=summary,
        facts=facts,
        passages=passages,
        links=links,
        footer=footer,
        timestamp=string_of(payload.get("timestamp")),
        colour=COLOURS.get(event_type, DEFAULT_COLOUR),
    )


def _test_message(payload: dict[str, Any], data: dict[str, Any]) -> Message:
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
        event_type="webhook.test",
        title=TITLES["webhook.test"],
        summary=[Text.ours("Test event: this channel receives testimonial webhooks.")],
        facts=facts,
        passages=[Passage("Message", Text.ours(message))],
        footer=f"Endpoint #{endpoint.get('id')}" if endpoint.get("id") is not None else "",
        timestamp=string_of(payload.get("timestamp")),
    )
