"""The chat message about a testimonial event, and about a test event."""

from __future__ import annotations

from typing import Any

from webhooks.event_types.registry import REGISTRY, TEST_EVENT
from webhooks.formats.message import (
    DEFAULT_COLOUR,
    Fact,
    Link,
    Message,
    Passage,
    Text,
    absolute,
    admin_link,
    stars,
    string_of,
)


def testimonial_message(event_type: str, payload: dict[str, Any], data: dict[str, Any]) -> Message:
    testimonial = data.get("testimonial")
    testimonial = testimonial if isinstance(testimonial, dict) else {}
    known = REGISTRY.get(event_type)
    title = known.title if known else event_type or "Event"
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
        colour=known.colour if known else DEFAULT_COLOUR,
    )


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
        event_type=TEST_EVENT,
        title=REGISTRY[TEST_EVENT].title,
        summary=[Text.ours("Test event: this channel receives testimonial webhooks.")],
        facts=facts,
        passages=[Passage("Message", Text.ours(message))],
        footer=f"Endpoint #{endpoint.get('id')}" if endpoint.get("id") is not None else "",
        timestamp=string_of(payload.get("timestamp")),
        colour=REGISTRY[TEST_EVENT].colour,
    )
