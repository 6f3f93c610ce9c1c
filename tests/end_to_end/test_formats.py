"""Formats end to end: the real worker sends every event type to a local receiver as a
CloudEvents 1.0 event and as each chat platform's message, signed like every other
delivery; a filtered endpoint gets only the events its filter lets through."""

from __future__ import annotations

import json

import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from pytest_django import Settings
from standardwebhooks.webhooks import Webhook

from tests.support.chat_checks import CHECKS
from tests.support.event_types import ALL_EVENTS_TYPES, TESTIMONIAL_SIGNALS
from tests.support.factories import make_endpoint, make_testimonial, walk_through_lifecycle
from tests.support.receiver import Receiver
from tests.support.worker import StartWorker
from webhooks import endpoint_actions, formats
from webhooks.models import WebhookDelivery, WebhookEvent

pytestmark = [
    pytest.mark.database_agnostic,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

SITE = "https://testimonials.example.com"


def test_every_event_type_arrives_in_every_format(
    receiver: Receiver, start_worker: StartWorker, settings: Settings
) -> None:
    settings.SITE_URL = SITE  # as the worker has it, to render what it should have sent
    endpoints = {
        name: make_endpoint(url=receiver.url(f"/{name}"), format=name)
        for name in ("standard", "cloudevents", "slack", "discord", "teams")
    }
    picky = make_endpoint(
        url=receiver.url("/picky"),
        format="slack",
        event_types=["testimonial.created"],
        filter={"testimonial": {"rating": {"$gte": 4}}},
    )
    ops = make_endpoint(
        url=receiver.url("/ops"),
        format="slack",
        event_types=["endpoint.disabled", "endpoint.enabled"],
    )
    start_worker(SITE_URL=SITE)

    testimonial = make_testimonial(rating=5, content="Five stars <!channel> & [more](https://evil)")
    walk_through_lifecycle(testimonial)
    make_testimonial(rating=2)
    for endpoint in [*endpoints.values(), picky]:
        endpoint_actions.send_test_event(endpoint)
    quiet = make_endpoint(description="CRM <!here>", event_types=["testimonial.archived"])
    endpoint_actions.disable(quiet, "Maintenance")
    endpoint_actions.enable(quiet)

    per_endpoint = len(TESTIMONIAL_SIGNALS) + 1 + 1  # the lifecycle, the 2-star one, the test
    receiver.wait_for(lambda got: len(got) >= 5 * per_endpoint + 2 + 2, timeout=60)
    events = {str(event.id): event for event in WebhookEvent.objects.all()}
    for name, endpoint in endpoints.items():
        requests = receiver.at(f"/{name}")
        assert len(requests) == per_endpoint
        types = set()
        for request in requests:
            Webhook(endpoint.secret).verify(request.body, request.headers)
            event = events[request.headers["webhook-id"]]
            types.add(event.type)
            # What the admin shows as the body is what was sent, byte for byte.
            delivery = WebhookDelivery.objects.get(event=event, endpoint=endpoint)
            assert request.body.decode() == delivery.request_body()
            assert request.headers["content-type"] == formats.content_type(name)
            if name == "cloudevents":
                cloud_event = from_http_event(HTTPMessage(request.headers, request.body))
                assert cloud_event.get_id() == request.headers["webhook-id"]
                assert (cloud_event.get_source(), cloud_event.get_type()) == (SITE, event.type)
                assert cloud_event.get_data() == json.loads(event.payload)["data"]
            elif name != "standard":
                CHECKS[name](json.loads(request.body))
        assert types == set(ALL_EVENTS_TYPES)

    slack_created = next(
        json.loads(r.body)
        for r in receiver.at("/slack")
        if events[r.headers["webhook-id"]].type == "testimonial.created"
        and "Five stars" in r.body.decode()
    )
    assert "&lt;!channel&gt; &amp; [more](https://evil)" in json.dumps(slack_created)
    button = slack_created["blocks"][-1]["elements"][0]
    assert button["url"] == f"{SITE}/admin/testimonials/testimonial/{testimonial.pk}/change/"

    # The operational events, as Slack messages; the description is not ours to mention.
    alerts = []
    for request in receiver.at("/ops"):
        Webhook(ops.secret).verify(request.body, request.headers)
        alerts.append(json.loads(request.body))
        CHECKS["slack"](alerts[-1])
    texts = [alert["text"] for alert in alerts]
    assert sorted(texts) == sorted(
        [
            "Webhook endpoint disabled: CRM &lt;!here&gt;",
            "Webhook endpoint enabled: CRM &lt;!here&gt;",
        ]
    )

    picky_got = [events[r.headers["webhook-id"]].type for r in receiver.at("/picky")]
    assert sorted(picky_got) == ["testimonial.created", "webhook.test"]
