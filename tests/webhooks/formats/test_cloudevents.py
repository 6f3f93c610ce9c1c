"""The CloudEvents format: every event type is a CloudEvents 1.0 event in structured JSON
mode, as the CloudEvents Python SDK reads it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from django.utils import timezone
from pytest_django import Settings

from tests.support.event_types import EVENT_TYPES
from webhooks import formats
from webhooks.formats import Format
from webhooks.models import WebhookEndpoint
from webhooks.publishing import payloads, preview

SITE = "https://testimonials.example.com"
WEBHOOK_ID = "3b0f8d2a-5c1e-4f7a-9d3b-2e6c8a1f4b70"


def parsed(body: str) -> Any:
    """The event as a receiver using the SDK gets it: the body alone decides (structured
    mode), under the content type we send."""
    message = HTTPMessage(
        headers={"content-type": formats.content_type(Format.CLOUDEVENTS)}, body=body.encode()
    )
    return from_http_event(message)


def stored(event_type: str) -> str:
    data = preview.sample_data(event_type, WebhookEndpoint(id=7, description="Ops"))
    return payloads.encode(payloads.envelope(event_type, data, timezone.now()))


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_type_is_a_valid_cloudevent(event_type: str, settings: Settings) -> None:
    settings.SITE_URL = SITE
    payload = stored(event_type)

    event = parsed(formats.render(Format.CLOUDEVENTS, payload, WEBHOOK_ID))

    original = json.loads(payload)
    assert event.get_specversion() == "1.0"
    assert event.get_id() == WEBHOOK_ID
    assert event.get_source() == SITE
    assert event.get_type() == event_type
    assert event.get_time() == datetime.fromisoformat(original["timestamp"])
    assert event.get_datacontenttype() == "application/json"
    assert event.get_data() == original["data"]


def test_the_subject_names_what_the_event_is_about(settings: Settings) -> None:
    settings.SITE_URL = SITE
    about_testimonial = parsed(
        formats.render(Format.CLOUDEVENTS, stored("testimonial.approved"), WEBHOOK_ID)
    )
    about_endpoint = parsed(
        formats.render(Format.CLOUDEVENTS, stored("endpoint.failing"), WEBHOOK_ID)
    )
    test_event = parsed(formats.render(Format.CLOUDEVENTS, stored("webhook.test"), WEBHOOK_ID))
    nothing_in_particular = parsed(
        formats.render(
            Format.CLOUDEVENTS,
            '{"type":"x","timestamp":"2026-12-05T10:00:00Z","data":{"note":"?"}}',
            WEBHOOK_ID,
        )
    )

    testimonial_id = about_testimonial.get_data()["testimonial"]["id"]
    assert about_testimonial.get_subject() == f"testimonials/{testimonial_id}"
    assert about_endpoint.get_subject() == "endpoints/7"
    assert test_event.get_subject() == "endpoints/7"  # the endpoint being tested
    assert nothing_in_particular.get_subject() is None


def test_without_site_url_the_source_is_still_a_uri(settings: Settings) -> None:
    settings.SITE_URL = ""

    event = parsed(formats.render(Format.CLOUDEVENTS, stored("testimonial.created"), WEBHOOK_ID))

    assert event.get_source() == "urn:testimonial-webhooks"


def test_it_is_sent_as_cloudevents_json_and_stored_with_the_delivery() -> None:
    assert formats.content_type(Format.CLOUDEVENTS) == "application/cloudevents+json"
    assert formats.content_type(Format.STANDARD) == "application/json"
    assert formats.content_type(Format.SLACK) == "application/json"
    payload = stored("testimonial.created")
    assert formats.stored_body(Format.STANDARD, payload, WEBHOOK_ID) is None
    assert formats.stored_body(Format.CLOUDEVENTS, payload, WEBHOOK_ID) == formats.render(
        Format.CLOUDEVENTS, payload, WEBHOOK_ID
    )
