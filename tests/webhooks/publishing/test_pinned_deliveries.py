"""What a delivery sends is fixed when it is made (SPEC §12): its format and body, and the
retry schedule it started with. Changing the endpoint, or SITE_URL, later changes only
deliveries made later; a replay sends the same bytes on the endpoint's schedule of now."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import Settings

from tests.support.factories import make_endpoint, make_testimonial
from webhooks.conf import conf
from webhooks.delivery_log import replay
from webhooks.formats import Format
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.sending import claims, upcoming
from webhooks.sending.attempt import Outcome, Target
from webhooks.sending.settling import settle

pytestmark = pytest.mark.django_db


def next_target(endpoint: WebhookEndpoint) -> Target:
    now = timezone.now() + timedelta(days=30)  # everything pending is due
    endpoint.refresh_from_db()
    (target,) = upcoming.next_deliveries(claims.snapshot(endpoint, now), 10, (), now)
    return target


def test_a_delivery_keeps_its_format_and_body_when_the_endpoint_changes(
    settings: Settings,
) -> None:
    settings.SITE_URL = "https://before.example.com"
    endpoint = make_endpoint(url="https://discord.com/api/webhooks/1/x")
    make_testimonial(content="Pinned")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    sent_first = next_target(endpoint)

    endpoint.format = Format.STANDARD
    endpoint.save()
    settings.SITE_URL = "https://after.example.com"
    retried = next_target(endpoint)

    assert delivery.format == Format.DISCORD
    assert retried.body == sent_first.body == delivery.body.encode()  # type: ignore[union-attr]
    assert "embeds" in json.loads(retried.body)
    assert "before.example.com" in retried.body.decode()
    make_testimonial(content="After the change")
    later = WebhookDelivery.objects.filter(endpoint=endpoint).latest("id")
    assert (later.format, later.body) == (Format.STANDARD, None)
    assert later.request_body() == later.event.payload


def test_a_standard_delivery_stores_no_second_copy_of_the_payload() -> None:
    endpoint = make_endpoint()
    make_testimonial()

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    assert (delivery.format, delivery.body) == (Format.STANDARD, None)
    assert next_target(endpoint).body == delivery.event.payload.encode()
    assert next_target(endpoint).content_type == "application/json"


def test_each_format_is_rendered_once_and_written_in_one_statement_per_format() -> None:
    standard = [make_endpoint(url=f"https://hooks.example.com/{n}") for n in range(3)]
    clouds = [
        make_endpoint(url=f"https://events.example.com/{n}", format=Format.CLOUDEVENTS)
        for n in range(2)
    ]

    with CaptureQueriesContext(connection) as queries:
        make_testimonial()

    inserts = [q["sql"] for q in queries if "INSERT INTO" in q["sql"] and "delivery" in q["sql"]]
    assert len(inserts) == 2
    bodies = {d.body for d in WebhookDelivery.objects.filter(endpoint__in=clouds)}
    assert len(bodies) == 1
    (body,) = bodies
    assert json.loads(body or "")["specversion"] == "1.0"
    assert not WebhookDelivery.objects.filter(endpoint__in=standard, body__isnull=False).exists()
    assert next_target(clouds[0]).content_type == "application/cloudevents+json"


def test_a_delivery_keeps_the_retry_schedule_it_started_with(settings: Settings) -> None:
    settings.WEBHOOKS_RETRY_JITTER = 0
    endpoint = make_endpoint(retry_schedule="2s,3s")
    make_testimonial()
    endpoint.retry_schedule = "1h"
    endpoint.full_clean()
    endpoint.save()

    target = next_target(endpoint)

    assert target.retry_schedule == (timedelta(seconds=2), timedelta(seconds=3))
    assert WebhookDelivery.objects.get(endpoint=endpoint).retry_schedule == "2s,3s"


def test_a_delivery_without_an_endpoint_schedule_follows_the_setting(settings: Settings) -> None:
    endpoint = make_endpoint()
    make_testimonial()

    assert next_target(endpoint).retry_schedule is None


def test_a_replay_sends_the_same_body_on_the_endpoints_schedule_of_now() -> None:
    endpoint = make_endpoint(url="https://events.example.com/in", format=Format.CLOUDEVENTS)
    make_testimonial()
    original = WebhookDelivery.objects.get(endpoint=endpoint)
    WebhookDelivery.objects.filter(pk=original.pk).update(status="failed")
    endpoint.format, endpoint.retry_schedule = Format.SLACK, "10s"
    endpoint.save()

    replay.replay([original.pk])

    again = WebhookDelivery.objects.get(pk=original.pk)
    assert (again.status, again.format, again.body) == ("pending", original.format, original.body)
    assert again.retry_schedule == "10s"


def test_a_replay_as_new_carries_the_new_id_in_a_cloudevents_body() -> None:
    endpoint = make_endpoint(url="https://events.example.com/in", format=Format.CLOUDEVENTS)
    make_testimonial()
    original = WebhookDelivery.objects.get(endpoint=endpoint)

    replay.replay([original.pk], as_new=True)

    copy = WebhookDelivery.objects.exclude(pk=original.pk).get(endpoint=endpoint)
    body, first = json.loads(copy.body or ""), json.loads(original.body or "")
    assert body["id"] == str(copy.event_id) != first["id"] == str(original.event_id)
    assert body["data"] == first["data"]
    assert copy.format == Format.CLOUDEVENTS


def test_settling_uses_the_deliverys_schedule(settings: Settings) -> None:
    settings.WEBHOOKS_RETRY_JITTER = 0
    settings.WEBHOOKS_RETRY_SCHEDULE = "1h"
    endpoint = make_endpoint(retry_schedule="7s")
    make_testimonial()
    target = next_target(endpoint)

    first = Outcome(target, timezone.now(), 5, {}, status_code=500, error="HTTP 500")
    retry = settle(first)
    assert retry.next_attempt_at is not None
    assert retry.next_attempt_at - first.finished_at == timedelta(seconds=7)

    last = Outcome(replace(target, schedule_position=1), timezone.now(), 5, {}, status_code=500)
    assert settle(last).status == "failed"


def test_a_schedule_written_around_validation_falls_back_to_the_setting(
    caplog: pytest.LogCaptureFixture,
) -> None:
    endpoint = make_endpoint()
    make_testimonial()
    WebhookDelivery.objects.update(retry_schedule="soon")
    WebhookEndpoint.objects.update(retry_schedule="later")

    target = next_target(endpoint)

    assert target.retry_schedule is None
    assert endpoint.effective_retry_schedule() == tuple(conf.retry_schedule)
    assert "does not parse" in caplog.text


@pytest.mark.parametrize("written", [" , ", "5s,soon", "-1s"])
def test_a_schedule_without_a_delay_or_with_a_bad_one_is_refused(written: str) -> None:
    endpoint = WebhookEndpoint(url="https://hooks.example.com/in", retry_schedule=written)

    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()

    assert set(refused.value.message_dict) == {"retry_schedule"}


def test_a_delivery_made_before_bodies_were_stored_is_sent_in_its_pinned_format() -> None:
    endpoint = make_endpoint(url="https://discord.com/api/webhooks/1/x")
    make_testimonial()
    WebhookDelivery.objects.update(body=None)  # as migration 0013 leaves older deliveries
    endpoint.format = Format.STANDARD
    endpoint.save()

    target = next_target(endpoint)

    assert "embeds" in json.loads(target.body)
    assert target.body.decode() == WebhookDelivery.objects.get().request_body()


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("3000000d", "add up to more than 30 days"),
        (",".join(["0"] * 100), "At most 20 delays"),
        (",".join(["1s"] * 21), "At most 20 delays"),
        ("0.2s,0.5s", "after the first must be at least 1s"),
        ("20d,10d,1s", "add up to more than 30 days"),
    ],
)
def test_a_schedule_out_of_bounds_is_refused(written: str, reason: str) -> None:
    endpoint = WebhookEndpoint(url="https://hooks.example.com/in", retry_schedule=written)

    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()

    assert reason in " ".join(refused.value.message_dict["retry_schedule"])


@pytest.mark.parametrize("written", ["0.2s,1s", ",".join(["1s"] * 20), "10d,10d,10d"])
def test_a_schedule_at_the_bounds_is_accepted(written: str) -> None:
    WebhookEndpoint(url="https://hooks.example.com/in", retry_schedule=written).full_clean()


def test_a_schedule_stored_out_of_bounds_falls_back_to_the_setting(
    caplog: pytest.LogCaptureFixture,
) -> None:
    endpoint = make_endpoint()
    make_testimonial()
    WebhookDelivery.objects.update(retry_schedule="3000000d")

    target = next_target(endpoint)

    assert target.retry_schedule is None
    assert "WEBHOOKS_RETRY_SCHEDULE applies" in caplog.text
