"""Operators configure endpoints and read the delivery log in the admin."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from tests.support.factories import make_delivery, make_endpoint, make_staff, make_testimonial
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


def test_the_endpoint_form_refuses_bad_input_with_field_errors(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"url": "ftp://x.example.com/", "event_types": [], "headers": '{"Host": "x"}'},
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"url", "headers"}
    assert not WebhookEndpoint.objects.exists()


def test_enable_and_disable_actions(admin_client: Client) -> None:
    endpoint = make_endpoint()
    changelist = reverse("admin:webhooks_webhookendpoint_changelist")

    admin_client.post(changelist, {"action": "disable_selected", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert endpoint.disabled_reason.startswith("Disabled by admin")

    admin_client.post(changelist, {"action": "enable_selected", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason) == (True, "")


def test_the_delivery_log_lists_filters_and_shows_attempts(admin_client: Client) -> None:
    endpoint = make_endpoint(description="CRM")
    make_testimonial()
    delivery = WebhookDelivery.objects.get()
    delivery.attempt_log.create(
        number=1,
        started_at=delivery.created_at,
        duration_ms=12,
        status_code=500,
        error="HTTP 500 Internal Server Error",
        response_body="boom",
    )
    changelist = reverse("admin:webhooks_webhookdelivery_changelist")

    listed = admin_client.get(changelist, {"status__exact": "pending"}).content.decode()
    detail = admin_client.get(
        reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
    ).content.decode()

    assert "testimonial.created" in listed
    assert str(endpoint) in listed
    assert "HTTP 500 Internal Server Error" in detail
    assert "boom" in detail
    assert admin_client.get(reverse("admin:webhooks_webhookdelivery_add")).status_code == 403


def test_an_event_shows_its_payload(admin_client: Client) -> None:
    make_endpoint()
    make_testimonial(content="Shown in the admin, nicely indented.")
    event = WebhookEvent.objects.get()

    page = admin_client.get(reverse("admin:webhooks_webhookevent_change", args=[event.pk]))

    assert "Shown in the admin, nicely indented." in page.content.decode()


def changelist_url(model: str) -> str:
    return reverse(f"admin:webhooks_{model}_changelist")


def test_the_endpoint_list_shows_health_and_why_an_endpoint_is_off(admin_client: Client) -> None:
    healthy = make_endpoint(description="Healthy")
    make_delivery(healthy, status="succeeded", attempts=3)  # 500, 500, 200 just now
    old = timezone.now() - timedelta(days=2)
    make_delivery(healthy, status="succeeded", attempts=1, created_at=old)  # outside 24 h
    make_endpoint(description="Gone", is_active=False, disabled_reason="The receiver answered 410")
    make_endpoint(description="Quiet")

    page = admin_client.get(changelist_url("webhookendpoint")).content.decode()

    assert "33% of 3" in page
    assert "no tries" in page
    assert "disabled: The receiver answered 410" in page


def test_unticking_active_records_who_disabled_it_and_ticking_it_resets_health(
    admin_client: Client,
) -> None:
    endpoint = make_endpoint(consecutive_failures=4, failing_since=timezone.now())
    change = reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])
    form = {"url": endpoint.url, "description": "", "headers": "{}"}

    admin_client.post(change, form)
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason) == (False, "Disabled by admin.")
    assert endpoint.disabled_at is not None

    admin_client.post(change, {**form, "is_active": "on"})
    enabled = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert (enabled.is_active, enabled.disabled_reason, enabled.disabled_at) == (True, "", None)
    assert (enabled.consecutive_failures, enabled.failing_since) == (0, None)


def test_send_test_event_from_the_endpoint_page(admin_client: Client) -> None:
    endpoint = make_endpoint(event_types=["testimonial.archived"])
    send = reverse("admin:webhooks_webhookendpoint_send_test", args=[endpoint.pk])
    assert "Send webhook.test" in admin_client.get(send).content.decode()
    assert not WebhookEvent.objects.exists()

    response = admin_client.post(send, follow=True)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.event.type) == (endpoint, "webhook.test")
    assert response.redirect_chain[-1][0].endswith(f"?endpoint__id__exact={endpoint.pk}")
    assert f"delivery #{delivery.pk}" in response.content.decode()


def test_send_test_event_action_refuses_disabled_endpoints(admin_client: Client) -> None:
    active = make_endpoint()
    disabled = make_endpoint(description="Paused", is_active=False)

    response = admin_client.post(
        changelist_url("webhookendpoint"),
        {"action": "send_test_event_selected", "_selected_action": [active.pk, disabled.pk]},
        follow=True,
    )

    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [active.pk]
    assert "Not sent: endpoint #" in response.content.decode()
    assert "Paused" in response.content.decode()


def test_sending_a_test_event_needs_change_permission(client: Client) -> None:
    endpoint = make_endpoint()
    client.force_login(make_staff("webhooks.view_webhookendpoint"))
    send = reverse("admin:webhooks_webhookendpoint_send_test", args=[endpoint.pk])

    assert client.post(send).status_code == 403
    assert not WebhookEvent.objects.exists()


def test_the_delivery_log_filters_by_endpoint_type_and_date(admin_client: Client) -> None:
    first, second = make_endpoint(description="First"), make_endpoint(description="Second")
    approved = make_delivery(first)
    created = make_delivery(second, event_type="testimonial.created")
    old = make_delivery(first, created_at=timezone.now() - timedelta(days=400))

    def listed(**query: str) -> set[int]:
        response = admin_client.get(changelist_url("webhookdelivery"), query)
        return {d.pk for d in response.context["cl"].result_list}

    assert listed(endpoint__id__exact=str(first.pk)) == {approved.pk, old.pk}
    assert listed(event__type="testimonial.created") == {created.pk}
    assert listed(created_at__year=str(old.created_at.year)) == {old.pk}


def test_a_delivery_page_shows_its_payload_and_attempts_with_headers(
    admin_client: Client,
) -> None:
    delivery = make_delivery(status="failed", attempts=1)
    DeliveryAttempt.objects.filter(delivery=delivery).update(
        request_headers={"webhook-id": str(delivery.event_id), "authorization": "[redacted]"},
        response_body="upstream down",
        duration_ms=1234,
    )

    page = admin_client.get(
        reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
    ).content.decode()

    assert "upstream down" in page
    assert "1234 ms" in page
    assert "[redacted]" in page
    assert "&quot;type&quot;: &quot;testimonial.approved&quot;" in page
    assert "Replay this delivery" in page


def test_replay_selected_requeues_and_refuses_disabled_endpoints(admin_client: Client) -> None:
    replayable = make_delivery(status="failed", attempts=2)
    refused = make_delivery(make_endpoint(description="Off", is_active=False), attempts=1)

    response = admin_client.post(
        changelist_url("webhookdelivery"),
        {"action": "replay_selected", "_selected_action": [replayable.pk, refused.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "Replayed 1 delivery" in page
    assert "Not replayed (1 delivery): endpoint #" in page
    replayable.refresh_from_db()
    refused.refresh_from_db()
    assert (replayable.status, replayable.schedule_position, replayable.attempts) == (
        "pending",
        0,
        2,
    )
    assert refused.status == "failed"


def test_the_replay_button_on_a_delivery_page(admin_client: Client) -> None:
    delivery = make_delivery(status="succeeded", attempts=1)
    replay = reverse("admin:webhooks_webhookdelivery_replay", args=[delivery.pk])

    assert admin_client.get(replay).status_code == 405
    response = admin_client.post(replay)

    assert response["Location"] == reverse(
        "admin:webhooks_webhookdelivery_change", args=[delivery.pk]
    )
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    missing = reverse("admin:webhooks_webhookdelivery_replay", args=[999])
    assert admin_client.post(missing).status_code == 404


def test_replaying_needs_the_replay_permission(client: Client) -> None:
    delivery = make_delivery(status="failed")
    client.force_login(make_staff("webhooks.view_webhookdelivery"))

    listed = client.get(changelist_url("webhookdelivery")).content.decode()
    page = client.get(
        reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
    ).content.decode()
    refused = client.post(reverse("admin:webhooks_webhookdelivery_replay", args=[delivery.pk]))

    assert "replay_selected" not in listed
    assert "Replay this delivery" not in page
    assert refused.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_an_event_page_lists_its_deliveries(admin_client: Client) -> None:
    delivery = make_delivery(make_endpoint(description="Listed here"))

    page = admin_client.get(
        reverse("admin:webhooks_webhookevent_change", args=[delivery.event_id])
    ).content.decode()

    assert "Listed here" in page


def test_the_endpoint_form_sets_how_it_is_sent_to(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {
            "url": "https://crm.example.com/hooks",
            "event_types": [],
            "headers": "{}",
            "is_active": "on",
            "max_in_flight": "8",
            "rate_limit": "2.5",
            "ordered": "on",
            "timeout": "4.5",
            "retry_schedule": "10s,1m,1h",
        },
    )

    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.max_in_flight, endpoint.rate_limit, endpoint.ordered) == (
        8,
        Decimal("2.5"),
        True,
    )
    assert (endpoint.timeout, endpoint.retry_schedule) == (4.5, "10s,1m,1h")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_in_flight", "0"),
        ("max_in_flight", "257"),
        ("rate_limit", "0"),
        ("timeout", "0"),
        ("timeout", "31"),  # over WEBHOOKS_LEASE (30s): a slow try would be sent twice
        ("retry_schedule", "5s,,x"),
    ],
)
def test_delivery_limits_out_of_range_are_refused(
    admin_client: Client, field: str, value: str
) -> None:
    response = admin_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"url": "https://crm.example.com/", "event_types": [], "headers": "{}", field: value},
    )

    assert set(response.context["adminform"].form.errors) == {field}


def test_the_form_says_what_an_empty_max_in_flight_means(
    admin_client: Client, settings: Settings
) -> None:
    settings.WEBHOOKS_ENDPOINT_MAX_IN_FLIGHT = 7

    page = admin_client.get(reverse("admin:webhooks_webhookendpoint_add")).content.decode()

    assert "Empty: the default, 7 (WEBHOOKS_ENDPOINT_MAX_IN_FLIGHT)" in page


def test_the_form_says_what_an_empty_timeout_and_schedule_mean(
    admin_client: Client, settings: Settings
) -> None:
    settings.WEBHOOKS_TIMEOUT = 8
    settings.WEBHOOKS_RETRY_SCHEDULE = "5s,300s,2h"

    page = admin_client.get(reverse("admin:webhooks_webhookendpoint_add")).content.decode()

    assert "Empty: the default, 8 (WEBHOOKS_TIMEOUT)" in page
    assert "Empty: the default, 5s,5m,2h (WEBHOOKS_RETRY_SCHEDULE)" in page


def test_a_paused_endpoint_says_until_when_and_why_and_resumes_in_one_click(
    admin_client: Client,
) -> None:
    until = timezone.now() + timedelta(minutes=5)
    endpoint = make_endpoint(
        paused_until=until, pause_reason="the receiver answered 429 with Retry-After 300s"
    )
    make_endpoint(description="Not paused")
    changelist = changelist_url("webhookendpoint")

    page = admin_client.get(changelist).content.decode()
    assert f"paused until {until:%Y-%m-%d %H:%M:%S}" in page
    change = admin_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    assert "answered 429 with Retry-After 300s" in change.content.decode()

    response = admin_client.post(
        changelist,
        {
            "action": "resume_selected",
            "_selected_action": [e.pk for e in WebhookEndpoint.objects.all()],
        },
        follow=True,
    )

    assert "1 endpoint resumed." in response.content.decode()
    endpoint.refresh_from_db()
    assert (endpoint.paused_until, endpoint.pause_reason) == (None, "")
