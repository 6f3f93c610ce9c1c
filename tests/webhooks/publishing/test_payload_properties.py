"""Whatever people type into a testimonial, the webhook body is valid JSON carrying it
unchanged, and its signature verifies with the official library; a body over the cap is
refused at event time without breaking the change that caused it."""

from __future__ import annotations

import json
import logging
import time
import uuid

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django import Settings
from standardwebhooks.webhooks import Webhook

from testimonial_events.data import testimonial_data as data_of
from testimonials.models import Testimonial
from tests.support.factories import build_testimonial, make_endpoint
from webhooks.models import WebhookEndpoint, WebhookEvent
from webhooks.publishing import payloads
from webhooks.trust import signing

# Any Unicode a browser can submit: everything but lone surrogates, which no UTF-8 form
# post can carry.
ANY_TEXT = st.characters(exclude_categories=["Cs"])
# The databases also refuse NUL in text columns.
STORABLE_TEXT = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
TRICKY = st.sampled_from(['"', "\\", "\\u0000", "</script>", "\u2028", "\U0001f600", "\x7f"])


def text(max_size: int, alphabet: st.SearchStrategy[str] = ANY_TEXT) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(alphabet, max_size=max_size),
        st.lists(TRICKY, max_size=20).map("".join),
        st.text(alphabet, min_size=max_size, max_size=max_size),  # exactly the maximum
    )


def signed_and_verified(body: bytes) -> dict[str, object]:
    secret = signing.generate_secret()
    msg_id, timestamp = str(uuid.uuid4()), int(time.time())
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.sign(msg_id, timestamp, body, [secret]),
    }
    verified: dict[str, object] = Webhook(secret).verify(body, headers)
    return verified


@given(
    author_name=text(255),
    company=text(255),
    title=text(255),
    content=text(5000),
    reason=text(2000),
    rating=st.integers(1, 5),
    anonymous=st.booleans(),
)
@settings(max_examples=150, deadline=None)
def test_any_text_gives_valid_json_that_verifies(
    author_name: str,
    company: str,
    title: str,
    content: str,
    reason: str,
    rating: int,
    anonymous: bool,
) -> None:
    testimonial = build_testimonial(
        author_name=author_name,
        company=company,
        title=title,
        content=content,
        rating=rating,
        is_anonymous=anonymous,
    )
    data = {"testimonial": data_of(testimonial), "reason": reason}
    body = payloads.encode(payloads.envelope("testimonial.rejected", data, timezone.now())).encode()

    decoded = json.loads(body)
    assert decoded["data"]["testimonial"]["content"] == content
    assert decoded["data"]["testimonial"]["title"] == title
    assert decoded["data"]["reason"] == reason
    if not anonymous:
        assert decoded["data"]["testimonial"]["company"] == (company or None)
    assert signed_and_verified(body) == decoded


@pytest.mark.django_db
@given(content=text(5000, STORABLE_TEXT), author_name=text(255, STORABLE_TEXT))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_stored_events_keep_any_text_exactly(content: str, author_name: str) -> None:
    """Through the real path: the model, the receiver, the outbox, the database."""
    if not WebhookEndpoint.objects.exists():
        make_endpoint()
    before = WebhookEvent.objects.count()

    testimonial = Testimonial.objects.create(
        author_name=author_name, content=content, rating=3, author_email="a@example.com"
    )

    assert WebhookEvent.objects.count() == before + 1
    event = WebhookEvent.objects.latest("created_at")
    body = event.payload.encode()
    payload = signed_and_verified(body)
    assert payload["data"]["testimonial"]["content"] == content  # type: ignore[index]
    assert payload["data"]["testimonial"]["id"] == testimonial.pk  # type: ignore[index]


@pytest.mark.django_db
def test_a_payload_over_the_cap_is_refused_and_logged_without_breaking_the_change(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.WEBHOOKS_MAX_PAYLOAD_BYTES = 3000
    make_endpoint()
    caplog.set_level(logging.ERROR, logger="webhooks.publishing.outbox")

    big = Testimonial.objects.create(author_name="Ada", content="é" * 2000, rating=5)
    small = Testimonial.objects.create(author_name="Bob", content="Short and sweet.", rating=4)

    assert Testimonial.objects.filter(pk__in=[big.pk, small.pk]).count() == 2
    (event,) = WebhookEvent.objects.all()
    assert json.loads(event.payload)["data"]["testimonial"]["id"] == small.pk
    (record,) = caplog.records
    assert "testimonial.created not recorded" in record.getMessage()
    assert "over WEBHOOKS_MAX_PAYLOAD_BYTES (3000)" in record.getMessage()
    assert "é" not in record.getMessage()  # sizes, never content
