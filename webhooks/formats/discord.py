"""Discord webhook messages: one embed, and ``allowed_mentions: {"parse": []}`` so no
text can ping ``@everyone``, a user or a role.

User text is markdown-escaped (a backslash before every ASCII punctuation mark Discord
could read as markup), so it can neither forge a ``[label](url)`` link nor restyle the
message. Limits (Discord's embed reference): title 256, description 4,096, 25 fields of
name 256 and value 1,024, footer 2,048, 6,000 characters across the embed.
"""

from __future__ import annotations

import re
from typing import Any

from webhooks.formats.fitting import fit, utf16_units
from webhooks.formats.message import Message, Passage, Text

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_LIMIT = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
URL_LIMIT = 2048
LABEL_LIMIT = 200  # a title a user wrote labels its quote

# A backslash before a mark makes Discord show the mark itself.
_MARKS = "\\*_~`|>#-[]()<@:.!"
_ESCAPES = str.maketrans({mark: "\\" + mark for mark in _MARKS})
_QUOTE = "> "


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


def _escaped_length(text: str) -> int:
    # Counted, not built: cutting measures many prefixes of a long text.
    return utf16_units(text) + sum(text.count(mark) for mark in _MARKS)


def _quoted_length(text: str) -> int:
    return _escaped_length(text) + len(_QUOTE) * (text.count("\n") + 1)


def _value(text: Text, limit: int) -> str:
    if not text.theirs:
        return fit(text.value, limit)
    return escape(fit(text.value, limit, _escaped_length))


def _description(passages: list[Passage], limit: int) -> str:
    parts: list[str] = []
    used = 0
    for passage in passages:
        head = f"**{escape(fit(passage.label, LABEL_LIMIT, _escaped_length))}**\n"
        room = limit - used - utf16_units(head) - 2
        if room <= 1:
            break
        body = _quote(escape(fit(passage.text.value, room, _quoted_length)))
        part = head + body if passage.text.value else head.rstrip("\n")
        parts.append(part)
        used += utf16_units(part) + 2
    return "\n\n".join(parts)


def _quote(text: str) -> str:
    return "\n".join(_QUOTE + line for line in text.split("\n"))


def render(message: Message) -> dict[str, Any]:
    embed: dict[str, Any] = {"title": fit(message.title, TITLE_LIMIT), "color": message.colour}
    links = [link for link in message.links if len(link.url) <= URL_LIMIT]
    if links:
        embed["url"] = links[0].url
    fields: list[dict[str, Any]] = [
        {
            "name": fit(fact.label, FIELD_NAME_LIMIT),
            "value": _value(fact.value, FIELD_VALUE_LIMIT),
            "inline": True,
        }
        for fact in message.facts[:FIELDS_LIMIT]
        if fact.value.value
    ]
    fields += [
        {"name": fit(link.label, FIELD_NAME_LIMIT), "value": link.url, "inline": False}
        for link in links[1:]
    ][: FIELDS_LIMIT - len(fields)]
    if fields:
        embed["fields"] = fields
    if message.footer:
        embed["footer"] = {"text": fit(message.footer, FOOTER_LIMIT)}
    if message.timestamp:
        embed["timestamp"] = message.timestamp
    # What is left of the 6,000 characters goes to the quoted texts.
    counted = [embed["title"], message.footer and embed["footer"]["text"]]
    counted += [text for field in fields for text in (field["name"], field["value"])]
    used = sum(utf16_units(text) for text in counted)
    description = _description(message.passages, min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - used))
    if description:
        embed["description"] = description
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}


def as_text(body: dict[str, Any]) -> str:
    """The message as a person reads it, for the admin's preview."""
    lines: list[str] = []
    for embed in body.get("embeds", []):
        lines += [embed.get("title", ""), ""]
        lines += [f"{f['name']}: {_unescape(f['value'])}" for f in embed.get("fields", [])]
        if embed.get("description"):
            lines += ["", _unescape(embed["description"].replace("**", ""))]
        if embed.get("footer"):
            lines += ["", embed["footer"]["text"]]
        if embed.get("url"):
            lines.append(f"[title links to] {embed['url']}")
    return "\n".join(lines).strip()


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)
