"""Microsoft Teams messages: an Adaptive Card (schema 1.5, what Teams workflows accept)
in a ``message`` envelope, as a Workflows ("Post to a channel when a webhook request is
received") or connector URL expects.

User text goes only into ``TextRun`` inlines of ``RichTextBlock`` elements: Adaptive
Cards read no markdown there, so a ``[label](url)`` a user wrote stays text. Teams
refuses messages over about 28 KB: each text is cut to a byte budget that keeps the
whole message well under that.
"""

from __future__ import annotations

import json
from typing import Any

from webhooks.formats.fitting import fit
from webhooks.formats.message import Message, Text

CARD_VERSION = "1.5"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Bytes of JSON per text: with every text at its budget and a 2,048-byte media URL, a
# message measured 15 KB, well inside Teams' 28 KB.
PASSAGE_BUDGETS = (8000, 2500, 2500)  # the first passage, then the next ones
FACT_BUDGET = 600
SUMMARY_BUDGET = 600
URL_LIMIT = 2048


def _json_bytes(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode())


def _run(text: Text | str, budget: int, **style: Any) -> dict[str, Any]:
    value = text.value if isinstance(text, Text) else text
    return {"type": "TextRun", "text": fit(value, budget, _json_bytes), **style}


def render(message: Message) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": message.title,
            "size": "Medium",
            "weight": "Bolder",
            "wrap": True,
            "style": "heading",
        }
    ]
    for fact in message.facts:
        body.append(
            {
                "type": "RichTextBlock",
                "inlines": [
                    _run(f"{fact.label}: ", FACT_BUDGET, weight="Bolder"),
                    _run(fact.value, FACT_BUDGET),
                ],
                "spacing": "None",
            }
        )
    for passage, budget in zip(message.passages, PASSAGE_BUDGETS, strict=False):
        items: list[dict[str, Any]] = [
            {
                "type": "RichTextBlock",
                "inlines": [_run(passage.label, FACT_BUDGET, weight="Bolder")],
            }
        ]
        if passage.text.value:
            items.append(
                {"type": "RichTextBlock", "inlines": [_run(passage.text, budget, italic=True)]}
            )
        body.append({"type": "Container", "style": "emphasis", "items": items})
    if message.footer:
        body.append(
            {
                "type": "TextBlock",
                "text": message.footer,
                "isSubtle": True,
                "size": "Small",
                "wrap": True,
            }
        )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "fallbackText": message.title,
        "body": body,
    }
    actions = [
        {"type": "Action.OpenUrl", "title": link.label, "url": link.url}
        for link in message.links
        if len(link.url) <= URL_LIMIT
    ]
    if actions:
        card["actions"] = actions
    summary = "".join(piece.value for piece in message.summary)
    return {
        "type": "message",
        "summary": fit(summary, SUMMARY_BUDGET, _json_bytes),
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }


def as_text(body: dict[str, Any]) -> str:
    """The message as a person reads it, for the admin's preview."""
    lines: list[str] = []
    for attachment in body.get("attachments", []):
        card = attachment.get("content", {})
        lines += _elements_text(card.get("body", []))
        lines += [f"[{a['title']}] {a['url']}" for a in card.get("actions", [])]
    return "\n".join(lines).strip()


def _elements_text(elements: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for element in elements:
        kind = element.get("type")
        if kind == "TextBlock":
            lines.append(element["text"])
        elif kind == "RichTextBlock":
            lines.append("".join(run["text"] for run in element["inlines"]))
        elif kind == "Container":
            lines += ["", *_elements_text(element["items"])]
    return lines
