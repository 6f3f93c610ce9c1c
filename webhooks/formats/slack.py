"""Slack incoming-webhook messages: a notification ``text`` and Block Kit ``blocks``.

User text goes only into ``mrkdwn`` objects with ``verbatim`` set (Slack then turns no
bare URL, channel name or ``@here`` into a link or mention) and with ``&``, ``<``, ``>``
escaped, which is what keeps ``<!channel>``, ``<@U123>`` and ``<https://evil|click>``
plain text. Limits (Block Kit reference): header 150, section text 3,000, section field
2,000, button text 75, button URL 3,000, 50 blocks.
"""

from __future__ import annotations

from typing import Any

from webhooks.formats.fitting import fit, utf16_units
from webhooks.formats.message import Fact, Message, Text

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
FIELDS_PER_SECTION = 10
BUTTON_TEXT_LIMIT = 75
URL_LIMIT = 3000
NOTIFICATION_LIMIT = 300
CONTEXT_LIMIT = 3000
LABEL_LIMIT = 200  # a title a user wrote labels its quote


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escaped_length(text: str) -> int:
    # Counted, not built: cutting measures many prefixes of a long text.
    return utf16_units(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))


def _quoted_length(text: str) -> int:
    return _escaped_length(text) + text.count("\n") + 1  # a ">" opens each line


def _pieces(pieces: list[Text], limit: int) -> str:
    """Mixed text as mrkdwn: each piece escaped, the user's cut to what is left."""
    out = ""
    for piece in pieces:
        room = limit - utf16_units(out)
        out += escape(fit(piece.value, room, _escaped_length))
    return out


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _quoted(label: str, text: str) -> str:
    """``*label*`` then the text as a block quote, within the section limit."""
    head = f"*{escape(fit(label, LABEL_LIMIT, _escaped_length))}*\n"
    lines_budget = SECTION_LIMIT - utf16_units(head)
    body = _quote_lines(escape(fit(text, lines_budget, _quoted_length)))
    return head + body if text else head.rstrip("\n")


def _quote_lines(text: str) -> str:
    return "\n".join(f">{line}" for line in text.split("\n"))


def _field(fact: Fact) -> dict[str, Any]:
    label = f"*{escape(fact.label)}:*\n"
    return _mrkdwn(label + _pieces([fact.value], FIELD_LIMIT - utf16_units(label)))


def render(message: Message) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": fit(message.title, HEADER_LIMIT)},
        }
    ]
    fields = [_field(fact) for fact in message.facts[:FIELDS_PER_SECTION]]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    for passage in message.passages:
        blocks.append(
            {"type": "section", "text": _mrkdwn(_quoted(passage.label, passage.text.value))}
        )
    if message.footer:
        blocks.append(
            {"type": "context", "elements": [_mrkdwn(escape(fit(message.footer, CONTEXT_LIMIT)))]}
        )
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": fit(link.label, BUTTON_TEXT_LIMIT)},
            "url": link.url,
        }
        for link in message.links
        if len(link.url) <= URL_LIMIT
    ]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return {"text": _pieces(message.summary, NOTIFICATION_LIMIT), "blocks": blocks}


def as_text(body: dict[str, Any]) -> str:
    """The message as a person reads it, for the admin's preview."""
    lines: list[str] = []
    for block in body.get("blocks", []):
        kind = block.get("type")
        if kind == "header":
            lines += [block["text"]["text"], ""]
        elif kind == "section":
            lines += [_plain(item["text"]) for item in block.get("fields", [])]
            if "text" in block:
                lines += ["", _plain(block["text"]["text"])]
        elif kind == "context":
            lines += ["", *(_plain(element["text"]) for element in block["elements"])]
        elif kind == "actions":
            lines += [f"[{e['text']['text']}] {e['url']}" for e in block["elements"]]
    return "\n".join(lines).strip()


def _plain(mrkdwn: str) -> str:
    """Our ``*label*`` markup taken off, the user's text unescaped."""
    label, newline, rest = mrkdwn.partition("\n")
    if label.startswith("*") and label.endswith("*") and len(label) > 1:
        mrkdwn = label[1:-1] + (" " if label.endswith(":*") else newline) + rest
    return mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
