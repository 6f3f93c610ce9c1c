"""The published event schemas (``GET /api/v1/event-types/``, the OpenAPI ``webhooks``)
match what the product sends: every payload it stores validates against its schema."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.event_types import EVENT_TYPES
from tests.support.factories import (
    exhaust,
    make_category,
    make_endpoint,
    make_outcome,
    make_testimonial,
    walk_through_lifecycle,
)
from webhooks import endpoint_actions
from webhooks.event_types import catalogue
from webhooks.event_types.registry import OPERATIONAL_EVENTS
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.publishing import preview
from webhooks.sending import recording, settling

pytestmark = pytest.mark.django_db


def validate(event: WebhookEvent) -> None:
    schema = catalogue.payload_schema(event.type)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(event.payload_data(), schema, cls=jsonschema.Draft202012Validator)


def test_every_event_type_is_described() -> None:
    assert set(catalogue.data_schemas()) == set(EVENT_TYPES)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"is_anonymous": True, "company": "Acme", "author_email": "a@example.com"},
        {"title": "Great", "company": "Acme", "is_verified": True, "source": "email"},
    ],
    ids=["plain", "anonymous", "complete"],
)
# The exhausted delivery's try makes its endpoint failing; the next success, recovered.
@override_settings(WEBHOOKS_FAILING_AFTER=1)
def test_every_payload_sent_validates(fields: dict[str, Any]) -> None:
    endpoint = make_endpoint()
    make_endpoint(event_types=list(OPERATIONAL_EVENTS), description="ops channel")
    walk_through_lifecycle(make_testimonial(category=make_category(), **fields))
    endpoint_actions.send_test_event(endpoint, requested_by="")
    endpoint_actions.send_test_event(endpoint, requested_by="ops")
    exhaust(WebhookDelivery.objects.filter(endpoint=endpoint).first())  # type: ignore[arg-type]
    recovery = make_outcome(endpoint_actions.send_test_event(endpoint), 200)
    recording.record([settling.finish(recovery)], [], timezone.now())
    endpoint_actions.disable(endpoint, "maintenance")
    endpoint_actions.enable(endpoint)
    events = list(WebhookEvent.objects.all())
    assert {e.type for e in events} == set(EVENT_TYPES)
    for event in events:
        validate(event)


def test_a_schema_refuses_what_the_product_never_sends() -> None:
    make_endpoint()
    make_testimonial().approve()
    event = WebhookEvent.objects.get(type="testimonial.approved")
    body = event.payload_data()
    body["data"]["testimonial"]["rating"] = 6
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, catalogue.payload_schema(event.type))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rating=st.integers(1, 5),
    anonymous=st.booleans(),
    response=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00")),
)
def test_generated_testimonials_validate(rating: int, anonymous: bool, response: str) -> None:
    # Hypothesis runs every example inside the one test transaction.
    WebhookEvent.objects.all().delete()
    if not WebhookEndpoint.objects.exists():
        make_endpoint()
    testimonial = make_testimonial(rating=rating, is_anonymous=anonymous)
    if response.strip():
        testimonial.add_response(response)
    testimonial.reject("")
    for event in WebhookEvent.objects.all():
        validate(event)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_the_preview_samples_are_shaped_as_real_events(event_type: str) -> None:
    data = preview.sample_data(event_type, WebhookEndpoint(id=1, description="Ops"))
    jsonschema.validate(
        data, catalogue.data_schema(event_type), cls=jsonschema.Draft202012Validator
    )
