"""The chat message (Slack, Discord, Teams) about a testimonial event, built from the
stored payload alone, so every try and replay renders the same message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import NoReverseMatch, reverse

from webhooks.event_types import registry
from webhooks.event_types.declaring import DEFAULT_COLOUR
from webhooks.formats.message import (
    Fact,
    Link,
    Message,
    Passage,
    Text,
    absolute,
    admin_link,
    string_of,
)

MAX_STARS = 5


def stars(rating: Any) -> str:
    """``★★★★☆ 4/5``; empty when there is no rating."""
    if isinstance(rating, bool) or not isinstance(rating, int):
        return ""
    filled = max(0, min(MAX_STARS, rating))
    return "★" * filled + "☆" * (MAX_STARS - filled) + f" {rating}/{MAX_STARS}"


def admin_path(data: Mapping[str, Any]) -> str | None:
    """The testimonial's admin page."""
    testimonial = data.get("testimonial")
    number = testimonial.get("id") if isinstance(testimonial, Mapping) else None
    if isinstance(number, bool) or not isinstance(number, int):
        return None
    try:
        return reverse("admin:testimonials_testimonial_change", args=[number])
    except NoReverseMatch:  # pragma: no cover - the admin is always installed here
        return None


def subject(data: Mapping[str, Any]) -> str | None:
    """CloudEvents ``subject``: ``testimonials/<id>``."""
    testimonial = data.get("testimonial")
    if isinstance(testimonial, Mapping) and testimonial.get("id") is not None:
        return f"testimonials/{testimonial['id']}"
    return None


def message(event_type: str, payload: Mapping[str, Any], data: Mapping[str, Any]) -> Message:
    testimonial = data.get("testimonial")
    testimonial = testimonial if isinstance(testimonial, dict) else {}
    declared = registry.get(event_type)
    title = declared.heading if declared else event_type or "Event"
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
    links: list[Link] = []
    media = data.get("media")
    if isinstance(media, dict):
        kind = string_of(media.get("media_type")) or "file"
        name = string_of(media.get("title")) or kind
        facts.append(Fact("Media", Text.of_user(f"{name} ({kind})")))
        media_url = absolute(string_of(media.get("url")))
        if media_url:
            links.append(Link(f"Open the {kind}", media_url))
    link = admin_link(admin_path(data))
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
        colour=declared.colour if declared else DEFAULT_COLOUR,
    )
