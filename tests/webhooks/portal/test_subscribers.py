"""Subscribers' limits hold wherever an endpoint is saved: the admin and the API too."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from tests.support.factories import make_endpoint, make_subscriber
from webhooks.models import Subscriber

pytestmark = pytest.mark.django_db


def test_the_api_keeps_a_subscriber_within_its_limits(
    api_client: Callable[..., APIClient],
) -> None:
    api = api_client("webhooks:read", "webhooks:write", "webhooks:secrets")
    subscriber = make_subscriber(
        "CRM team", max_endpoints=1, allowed_event_types=["testimonial.approved"]
    )
    body = {"url": "https://hooks.example.com/a", "subscriber": subscriber.pk}
    everything = api.post("/api/v1/endpoints/", body)
    assert everything.status_code == 400
    assert "may not receive every event type" in everything.content.decode()
    first = api.post("/api/v1/endpoints/", {**body, "event_types": ["testimonial.approved"]})
    assert first.status_code == 201, first.content
    assert first.json()["subscriber"] == subscriber.pk
    second = api.post("/api/v1/endpoints/", {**body, "event_types": ["testimonial.approved"]})
    assert second.status_code == 400
    assert "as many as it may have" in second.content.decode()
    # Editing the one it has is not adding one.
    edited = api.patch(f"/api/v1/endpoints/{first.json()['id']}/", {"description": "CRM"})
    assert edited.status_code == 200, edited.content

    # Moving the operator's endpoint in is joining too.
    operators = make_endpoint("https://hooks.example.com/ops", event_types=["testimonial.approved"])
    moved = api.patch(f"/api/v1/endpoints/{operators.pk}/", {"subscriber": subscriber.pk})
    assert moved.status_code == 400
    assert "as many as it may have" in moved.content.decode()
    # Lowering the limit below what it has leaves its endpoints editable.
    Subscriber.objects.filter(pk=subscriber.pk).update(max_endpoints=0)
    still = api.patch(f"/api/v1/endpoints/{first.json()['id']}/", {"description": "CRM 2"})
    assert still.status_code == 200, still.content

    refused = api.delete(f"/api/v1/subscribers/{subscriber.pk}/")
    assert refused.status_code == 409
    assert "still has endpoints" in refused.content.decode()


def test_allowed_types_are_testimonial_types(api_client: Callable[..., APIClient]) -> None:
    with pytest.raises(ValidationError, match="need no allowing"):
        make_subscriber("Ops", allowed_event_types=["endpoint.disabled"])
    api = api_client("webhooks:write")
    answer = api.post(
        "/api/v1/subscribers/", {"name": "Ops", "allowed_event_types": ["webhook.test"]}
    )
    assert answer.status_code == 400
    assert not Subscriber.objects.exists()


def test_the_admin_keeps_a_subscriber_within_its_limits(admin_client: Client) -> None:
    subscriber = make_subscriber("CRM team", max_endpoints=1)
    one = make_endpoint("https://hooks.example.com/one?token=s3cr3t", subscriber=subscriber)
    answer = admin_client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"url": "https://hooks.example.com/two", "subscriber": subscriber.pk, "headers": "{}"},
    )
    assert answer.status_code == 200
    assert b"as many as it may have" in answer.content
    page = admin_client.get(f"/admin/webhooks/subscriber/{subscriber.pk}/change/")
    assert str(one) in page.content.decode()  # masked, as in every list
    assert b"s3cr3t" not in page.content
    listing = admin_client.get("/admin/webhooks/subscriber/")
    assert b"CRM team" in listing.content
