"""Rules that once lived in several places and drifted apart: each now has one home, and
these tests hold the readers to it (docs/architecture.md, "The map")."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support.event_types import EVENT_TYPES, TESTIMONIAL_SIGNALS
from tests.support.factories import make_delivery, make_endpoint, make_outcome
from webhooks import formats
from webhooks.conf import conf
from webhooks.event_types import catalogue, registry
from webhooks.event_types.builtin import ENDPOINT_DISABLED
from webhooks.models import SUCCESSFUL_ATTEMPT, DeliveryAttempt, WebhookEndpoint, is_success
from webhooks.publishing import operational_data, payloads, preview
from webhooks.sending import health

pytestmark = pytest.mark.django_db

CODES = [100, 199, 200, 201, 204, 226, 299, 300, 302, 404, 410, 429, 500, 503]


def test_2xx_is_success_in_python_and_in_queries() -> None:
    delivery = make_delivery()
    now = timezone.now()
    for number, code in enumerate([None, *CODES], start=1):
        DeliveryAttempt.objects.create(
            delivery=delivery, number=number, started_at=now, duration_ms=1, status_code=code
        )
    counted = set(
        DeliveryAttempt.objects.filter(SUCCESSFUL_ATTEMPT).values_list("status_code", flat=True)
    )
    assert counted == {code for code in CODES if is_success(code)} == {200, 201, 204, 226, 299}
    assert not is_success(None)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_reader_takes_its_event_facts_from_the_declaration(event_type: str) -> None:
    declared = registry.get(event_type)
    assert declared is not None
    assert catalogue.description(event_type) == declared.description
    assert catalogue.payload_schema(event_type)["description"] == declared.description
    assert catalogue.data_schema(event_type) == dict(declared.schema)
    assert TESTIMONIAL_SIGNALS.get(event_type) is declared.signal

    endpoint = make_endpoint(event_types=[event_type])
    data = preview.sample_data(event_type, endpoint)
    message = formats.build(
        json.loads(payloads.encode(payloads.envelope(event_type, data, timezone.now())))
    )
    assert (message.title, message.colour) == (declared.heading, declared.colour)


def test_the_automatic_disable_reads_as_its_preview() -> None:
    delivery = make_delivery()
    endpoint = delivery.endpoint
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=conf.disable_after_failures,
        failing_since=now - conf.disable_after - timedelta(minutes=1),
    )
    health.record(endpoint.pk, [make_outcome(delivery, status=500)], now)

    endpoint.refresh_from_db()
    sample = operational_data.sample_data(ENDPOINT_DISABLED, endpoint.pk, "", now)["reason"]
    real = endpoint.disabled_reason
    assert not endpoint.is_active
    assert real.split("Last error:")[0] == sample.split("Last error:")[0]
    assert real.startswith("Disabled automatically: every try failed for more than ")
