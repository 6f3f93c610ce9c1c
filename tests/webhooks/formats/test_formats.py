"""Slack, Discord and Teams messages: every event type renders to a message the platform
accepts (tests/support/chat_checks.py), reads well, carries no identity for an anonymous
testimonial, and stays inert and within limits whatever people type."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django import Settings

from tests.support.chat_checks import CHECKS, mrkdwn_texts
from tests.support.event_types import EVENT_TYPES, TESTIMONIAL_SIGNALS
from webhooks import formats
from webhooks.event_types.registry import OPERATIONAL_EVENTS
from webhooks.formats import Format, discord, slack
from webhooks.formats.fitting import utf16_units
from webhooks.models import WebhookEndpoint
from webhooks.publishing import payloads, preview

CHAT_FORMATS = [Format.SLACK, Format.DISCORD, Format.TEAMS]
ADMIN_LINK = "https://testimonials.example.com/admin/testimonials/testimonial/1/change/"
WEBHOOK_ID = "6f1c2d4e-0000-4000-8000-000000000001"


@pytest.fixture(autouse=True)
def _site(settings: Settings) -> None:
    settings.SITE_URL = "https://testimonials.example.com"


def sample(event_type: str, **testimonial: Any) -> dict[str, Any]:
    endpoint = WebhookEndpoint(id=7, description="Ops channel")
    data = preview.sample_data(event_type, endpoint)
    if testimonial:
        data["testimonial"].update(testimonial)
    return payloads.envelope(event_type, data, timezone.now())


# What each operational message must say, beside the endpoint's description.
OPERATIONAL = {
    "endpoint.disabled": "every try failed for more than 5d",
    "endpoint.enabled": "Webhook endpoint enabled",
    "endpoint.failing": "Failed tries in a row: 3",
    "endpoint.recovered": "Webhook endpoint recovered",
    "delivery.exhausted": "HTTP 503 Service Unavailable",
}


def rendered(format_name: str, payload: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(
        formats.render(format_name, payloads.encode(payload), WEBHOOK_ID)
    )
    return body


@pytest.mark.parametrize("format_name", CHAT_FORMATS)
@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_type_is_a_valid_message(format_name: str, event_type: str) -> None:
    body = rendered(format_name, sample(event_type))
    CHECKS[format_name](body)
    text = formats.as_text(format_name, json.dumps(body))
    if event_type == "webhook.test":
        assert "Test event" in text
        assert "Ops channel" in text
        return
    if event_type in OPERATIONAL:
        assert OPERATIONAL[event_type] in text
        assert "Ops channel" in text
        return
    for expected in ("Ada Lovelace", "★★★★★ 5/5", "Support", "Our question was answered"):
        assert expected in text, (expected, text)
    assert ADMIN_LINK in text


@pytest.mark.parametrize("format_name", CHAT_FORMATS)
def test_the_reason_response_and_media_link_are_shown(format_name: str) -> None:
    rejected = formats.as_text(
        format_name, json.dumps(rendered(format_name, sample("testimonial.rejected")))
    )
    assert "Reason" in rejected
    assert "names a competitor" in rejected
    responded = formats.as_text(
        format_name, json.dumps(rendered(format_name, sample("testimonial.responded")))
    )
    assert "Response" in responded
    assert "Thank you, Ada!" in responded
    media = formats.as_text(
        format_name, json.dumps(rendered(format_name, sample("testimonial.media_added")))
    )
    assert "Team photo (image)" in media
    assert "https://testimonials.example.com/media/testimonials/1/photo.jpg" in media


@pytest.mark.parametrize("format_name", CHAT_FORMATS)
def test_an_anonymous_testimonial_shows_no_identity(format_name: str) -> None:
    payload = sample(
        "testimonial.approved",
        author_name="Anonymous",
        author_email=None,
        company=None,
        is_anonymous=True,
    )
    body = json.dumps(rendered(format_name, payload))
    assert "Lovelace" not in body
    assert "ada@example.com" not in body
    assert "Analytical" not in body
    assert "From: Anonymous" in formats.as_text(format_name, body)


@pytest.mark.parametrize("format_name", CHAT_FORMATS)
def test_rendering_depends_only_on_the_stored_event(format_name: str) -> None:
    stored = payloads.encode(sample("testimonial.created"))
    assert formats.render(format_name, stored, WEBHOOK_ID) == formats.render(
        format_name, stored, WEBHOOK_ID
    )


def test_the_standard_format_sends_the_stored_event_unchanged() -> None:
    stored = payloads.encode(sample("testimonial.created"))
    assert formats.render(Format.STANDARD, stored, WEBHOOK_ID) == stored
    assert formats.as_text(Format.STANDARD, stored) == ""


@pytest.mark.parametrize("format_name", CHAT_FORMATS)
def test_without_site_url_messages_carry_no_links(format_name: str, settings: Settings) -> None:
    settings.SITE_URL = ""
    body = rendered(format_name, sample("testimonial.media_added"))
    CHECKS[format_name](body)
    assert "http" not in json.dumps(body).replace("http://adaptivecards.io/schemas/", "")


def test_slack_escapes_what_would_ping_or_link() -> None:
    body = rendered(
        Format.SLACK,
        sample(
            "testimonial.created",
            author_name="<!channel> & <@U123>",
            content="Click <https://evil.example|your bank> now @here",
        ),
    )
    joined = "\n".join(mrkdwn_texts(body))
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in joined
    assert "&lt;https://evil.example|your bank&gt; now @here" in joined
    assert all(
        b.get("text", {}).get("verbatim", True) for b in body["blocks"] if b["type"] == "section"
    )


def test_discord_mentions_are_off_and_markdown_is_escaped() -> None:
    body = rendered(
        Format.DISCORD,
        sample(
            "testimonial.created",
            author_name="@everyone",
            content="[click](https://evil.example) **now**",
        ),
    )
    embed = body["embeds"][0]
    assert body["allowed_mentions"] == {"parse": []}
    assert "\\[click\\]\\(https\\://evil\\.example\\) \\*\\*now\\*\\*" in embed["description"]
    assert {"name": "From", "value": "\\@everyone", "inline": True} in embed["fields"]


def test_teams_puts_user_text_only_in_text_runs() -> None:
    hostile = "[click](https://evil.example) **now**"
    body = rendered(Format.TEAMS, sample("testimonial.created", content=hostile))
    card = body["attachments"][0]["content"]
    runs = [
        inline["text"]
        for container in card["body"]
        for element in container.get("items", [container])
        for inline in element.get("inlines", [])
    ]
    assert hostile in runs
    text_blocks = [element["text"] for element in card["body"] if element["type"] == "TextBlock"]
    assert all("evil" not in text for text in text_blocks)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://hooks.slack.com/services/T0/B0/XYZ", "slack"),
        ("https://discord.com/api/webhooks/1/abc", "discord"),
        ("https://discordapp.com/api/v10/webhooks/1/abc", "discord"),
        ("https://discord.com/channels/1", "standard"),
        ("https://acme.webhook.office.com/webhookb2/x", "teams"),
        (
            "https://prod-12.westeurope.logic.azure.com:443/workflows/x/triggers/manual/paths/invoke",
            "teams",
        ),
        ("https://default1.environment.api.powerplatform.com/powerautomate/x", "teams"),
        ("https://hooks.example.com/in", "standard"),
        ("https://hooks.slack.com.evil.example/x", "standard"),
        ("not a url", "standard"),
        ("https://[::1/", "standard"),
    ],
)
def test_the_format_is_suggested_from_the_url(url: str, expected: str) -> None:
    assert formats.suggest(url) == expected


# -- whatever people type ----------------------------------------------------------------

HOSTILE = st.sampled_from(
    [
        "<!channel>", "<!here|here>", "<@U123>", "<#C123>", "<https://evil.example|click>",
        "@everyone", "@here", "<@&123>", "[x](https://evil.example)", "&amp;", "&", "<", ">",
        "**", "__", "~~", "`", "```", "> quote", "# heading", "\\", "\n", "\r\n", "\u2028",
        "\U0001f600", "e\u0301", "\x00", "${x}", "{{x}}",
    ]
)  # fmt: skip
USER_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=300),
    st.lists(st.one_of(HOSTILE, st.text(max_size=5)), max_size=60).map("".join),
    st.integers(1, 12000).map(lambda n: "<&>" * n),  # long, and longer once escaped
    st.integers(1, 6000).map(lambda n: "\U0001f600" * n),  # 4 bytes, 2 UTF-16 units each
)


@settings(
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    format_name=st.sampled_from(CHAT_FORMATS),
    event_type=st.sampled_from(list(TESTIMONIAL_SIGNALS)),
    author=USER_TEXT,
    title=USER_TEXT,
    content=USER_TEXT,
    extra=USER_TEXT,
    category=USER_TEXT,
)
def test_hostile_text_stays_inert_and_within_limits(
    format_name: str,
    event_type: str,
    author: str,
    title: str,
    content: str,
    extra: str,
    category: str,
) -> None:
    payload = sample(event_type, author_name=author, title=title, content=content, company=extra)
    payload["data"]["testimonial"]["category"] = {"id": 1, "name": category, "slug": "s"}
    for key in ("reason", "response"):
        if key in payload["data"]:
            payload["data"][key] = extra
    body = rendered(format_name, payload)
    CHECKS[format_name](body)
    if format_name == Format.DISCORD:
        embed = body["embeds"][0]
        for text in [embed.get("description", ""), *(f["value"] for f in embed.get("fields", []))]:
            # Every markdown character of user text is preceded by a backslash (our own
            # markup is the bold label opening each quoted passage).
            ours = re.sub(r"^\*\*|(?<=\n\n)\*\*|\*\*(?=\n|$)", "", text)
            unescaped = ours.replace("\\\\", "")
            for mark in ("[", "<", "@", "`", "*", "_", "~", "|"):
                assert all(
                    unescaped[i - 1] == "\\" for i, c in enumerate(unescaped) if c == mark and i
                ), text


def test_slack_cuts_after_escaping_and_never_splits_an_entity() -> None:
    text = slack._quoted("Label", "&" * 5000)
    assert len(text) <= slack.SECTION_LIMIT
    assert text.endswith("&amp;…")


@pytest.mark.parametrize("format_name", list(Format))
def test_a_body_is_identified_by_its_shape(format_name: str) -> None:
    body = json.loads(
        formats.render(format_name, payloads.encode(sample("testimonial.created")), WEBHOOK_ID)
    )
    assert formats.identify(body) == format_name
    assert formats.identify(["not", "an", "object"]) == Format.STANDARD


@settings(max_examples=200, deadline=None)
@given(text=USER_TEXT)
def test_lengths_are_counted_as_they_are_sent(text: str) -> None:
    # Cutting counts escaped, quoted lengths without building them: the count must be exact.
    assert slack._escaped_length(text) == utf16_units(slack.escape(text))
    assert slack._quoted_length(text) == utf16_units(slack._quote_lines(slack.escape(text)))
    assert discord._escaped_length(text) == utf16_units(discord.escape(text))
    assert discord._quoted_length(text) == utf16_units(discord._quote(discord.escape(text)))


def test_a_payload_that_is_not_an_event_is_sent_as_it_is(caplog: pytest.LogCaptureFixture) -> None:
    assert formats.render(Format.SLACK, "[1, 2]", WEBHOOK_ID) == "[1, 2]"
    assert "could not render a slack message" in caplog.text
    body = rendered(Format.DISCORD, {"type": "testimonial.created", "data": "odd"})
    assert body["embeds"][0]["title"] == "New testimonial"


@settings(
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "60")) // 2,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    format_name=st.sampled_from(CHAT_FORMATS),
    event_type=st.sampled_from(OPERATIONAL_EVENTS),
    description=USER_TEXT,
    error=USER_TEXT,
)
def test_hostile_operational_text_stays_within_limits(
    format_name: str, event_type: str, description: str, error: str
) -> None:
    """An endpoint's description and a receiver's error text are not ours either."""
    payload = sample(event_type)
    data = payload["data"]
    data["endpoint"]["description"] = description
    if "reason" in data:
        data["reason"] = error
    if "delivery" in data:
        data["delivery"]["last_error"] = error
    body = rendered(format_name, payload)
    CHECKS[format_name](body)
    text = json.dumps(body)
    for mention in ("<!channel>", "<!here"):
        if format_name == Format.SLACK and mention in description + error:
            assert mention not in text
