"""Request body formats. ``standard`` sends the stored event as it is (SPEC §3);
``cloudevents`` wraps it as a CloudEvents 1.0 event; the chat formats turn it into a
message people read in Slack, Discord or Teams, one module each. The outbox renders a
delivery's body once, when the delivery is made, and stores it: every try and replay sends
the same bytes whatever later happens to the endpoint's format or SITE_URL. The Standard
Webhooks headers go with every format."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.db import models

from webhooks.event_types import registry
from webhooks.event_types.builtin import TEST_EVENT
from webhooks.event_types.registry import OPERATIONAL_EVENTS
from webhooks.formats import cloudevents, discord, generic, operations, ping, slack, teams
from webhooks.formats.message import Message

logger = logging.getLogger(__name__)


class Format(models.TextChoices):
    STANDARD = "standard", "Standard Webhooks JSON"
    CLOUDEVENTS = "cloudevents", "CloudEvents 1.0 (structured JSON)"
    SLACK = "slack", "Slack message"
    DISCORD = "discord", "Discord message"
    TEAMS = "teams", "Microsoft Teams message (Adaptive Card)"


Renderer = Callable[[Message], dict[str, Any]]
_RENDERERS: dict[str, tuple[Renderer, Callable[[dict[str, Any]], str]]] = {
    Format.SLACK: (slack.render, slack.as_text),
    Format.DISCORD: (discord.render, discord.as_text),
    Format.TEAMS: (teams.render, teams.as_text),
}


def build(payload: dict[str, Any]) -> Message:
    """The message about a stored event, whatever the platform."""
    event_type = str(payload.get("type", ""))
    data = payload.get("data")
    data = data if isinstance(data, dict) else {}
    if event_type == TEST_EVENT:
        return ping.test_message(payload, data)
    if event_type in OPERATIONAL_EVENTS:
        return operations.build(event_type, payload, data)
    declared = registry.get(event_type)
    if declared is not None and declared.message is not None:
        return declared.message(event_type, payload, data)
    return generic.message(event_type, declared, payload, data)


JSON = "application/json"


def content_type(format_name: str) -> str:
    """The ``content-type`` of a request body in ``format_name``."""
    return cloudevents.CONTENT_TYPE if format_name == Format.CLOUDEVENTS else JSON


def _is_rendered(format_name: str) -> bool:
    """Whether ``format_name`` makes a body of its own (every format but standard)."""
    return format_name == Format.CLOUDEVENTS or format_name in _RENDERERS


def render(format_name: str, payload: str, webhook_id: str) -> str:
    """The request body an endpoint of ``format_name`` gets for the stored ``payload`` of
    the event ``webhook_id``."""
    if not _is_rendered(format_name):
        return payload
    try:
        body = _to_body(format_name, json.loads(payload), webhook_id)
    except (AttributeError, KeyError, TypeError, ValueError):
        # Not an event this service stored (an edited row?): sending it as it is fails
        # visibly at the receiver and in the log, where a crash would stop the sender.
        logger.exception("could not render a %s message; sending the event as it is", format_name)
        return payload
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def stored_body(format_name: str, payload: str, webhook_id: str) -> str | None:
    """What a delivery in ``format_name`` stores as its body: ``None`` when it is the
    event's payload as it is (the standard format), which is then not stored twice."""
    if not _is_rendered(format_name):
        return None
    return render(format_name, payload, webhook_id)


def sent_body(format_name: str, stored: str | None, payload: str, webhook_id: str) -> str:
    """What a delivery sends: its stored body; the payload itself for the standard
    format; a delivery made before bodies were stored, rendered in its pinned format."""
    return stored if stored is not None else render(format_name, payload, webhook_id)


def _to_body(format_name: str, event: dict[str, Any], webhook_id: str) -> dict[str, Any]:
    if format_name == Format.CLOUDEVENTS:
        return cloudevents.render(event, webhook_id)
    message_to_body, _ = _RENDERERS[format_name]
    return message_to_body(build(event))


def as_text(format_name: str, body: str) -> str:
    """What a person sees of a chat message; empty for the formats machines read."""
    if format_name not in _RENDERERS:
        return ""
    _, body_to_text = _RENDERERS[format_name]
    return body_to_text(json.loads(body))


def identify(body: Any) -> str:
    """Which format a received body is in, judging by its shape."""
    if not isinstance(body, dict):
        return Format.STANDARD
    if "specversion" in body:
        return Format.CLOUDEVENTS
    if "blocks" in body:
        return Format.SLACK
    if "embeds" in body:
        return Format.DISCORD
    if body.get("type") == "message" and "attachments" in body:
        return Format.TEAMS
    return Format.STANDARD


# Hosts that take one format only: the URL alone says which.
_SLACK_HOSTS = ("hooks.slack.com", "hooks.slack-gov.com")
_DISCORD_HOSTS = ("discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com")
_DISCORD_PATH = re.compile(r"^/api(/v\d+)?/webhooks/")
_TEAMS_SUFFIXES = (".webhook.office.com", ".logic.azure.com", ".powerplatform.com")


def suggest(url: str) -> str:
    """The format a URL obviously wants: Slack and Discord webhook URLs, Teams
    connector, Workflows and Power Automate URLs; otherwise ``standard``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return Format.STANDARD
    host = (parts.hostname or "").lower()
    if host in _SLACK_HOSTS:
        return Format.SLACK
    if host in _DISCORD_HOSTS and _DISCORD_PATH.match(parts.path):
        return Format.DISCORD
    if host.endswith(_TEAMS_SUFFIXES):
        return Format.TEAMS
    return Format.STANDARD
