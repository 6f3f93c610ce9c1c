"""What can be done to an endpoint: switch it on or off, end a pause, rotate its secret,
send it a test event. The admin, the API and the commands call these and nothing else,
so each rule (what enabling resets, how long an old secret keeps signing) lives once."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from webhooks.conf import conf
from webhooks.event_types.builtin import TEST_EVENT
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.publishing import operational, outbox, pings
from webhooks.trust import signing


def enable(endpoint: WebhookEndpoint) -> None:
    """Back in service: pending deliveries resume and the failure streak restarts.
    Announced with ``endpoint.enabled`` when it was disabled."""
    now = timezone.now()
    with transaction.atomic():
        was_disabled = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=False).exists()
        endpoint.is_active = True
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
        endpoint.failing_announced_at = None
        endpoint.paused_until = None
        endpoint.pause_reason = ""
        endpoint.save(
            update_fields=[
                "is_active",
                "disabled_at",
                "disabled_reason",
                "consecutive_failures",
                "failing_since",
                "failing_announced_at",
                "paused_until",
                "pause_reason",
                "updated_at",
            ]
        )
        if was_disabled:
            operational.announce_enabled(endpoint, now)


def disable(endpoint: WebhookEndpoint, reason: str) -> bool:
    """Out of service until enabled: gets no new deliveries, pending ones wait.
    Announced with ``endpoint.disabled``. Returns whether it was active until now."""
    now = timezone.now()
    changed = operational.disable(endpoint.pk, reason, now, automatic=False)
    if changed:
        endpoint.is_active = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = reason
        endpoint.updated_at = now
    return changed


def resume(endpoint: WebhookEndpoint) -> None:
    """Ends a pause (a receiver's ``Retry-After``, or an unreachable receiver) now:
    its waiting deliveries go out at once."""
    endpoint.paused_until = None
    endpoint.pause_reason = ""
    endpoint.save(update_fields=["paused_until", "pause_reason", "updated_at"])


def rotate_secret(endpoint: WebhookEndpoint, overlap: timedelta | None = None) -> str:
    """Sets and returns a new secret; the old one keeps signing for ``overlap``
    (default WEBHOOKS_SECRET_ROTATION_OVERLAP) so receivers can switch at leisure."""
    overlap = conf.secret_rotation_overlap if overlap is None else overlap
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + overlap
    endpoint.secret = signing.generate_secret()
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    return endpoint.secret


def send_test_event(endpoint: WebhookEndpoint, requested_by: str = "") -> WebhookDelivery:
    """Queue a ``webhook.test`` event for ``endpoint`` alone, whatever event types it
    subscribes to; a running worker sends it. Raises EndpointDisabled when it is off."""
    endpoint.ensure_active()
    data = pings.ping_data(endpoint, requested_by)
    event = outbox.publish(TEST_EVENT, lambda: data, endpoint_ids=[endpoint.pk])
    return WebhookDelivery.objects.get(event=event, endpoint=endpoint)
