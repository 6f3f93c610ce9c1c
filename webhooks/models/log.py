"""The delivery log: events as sent, one delivery per endpoint, every attempt."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db import models
from django.utils import timezone

from webhooks import formats
from webhooks.formats import Format
from webhooks.models.endpoints import WebhookEndpoint
from webhooks.validation.tuning import MAX_SCHEDULE_CHARS


class WebhookEvent(models.Model):
    """Something that happened, as sent: ``payload`` holds the exact bytes of every
    request body, so retries and replays send the same thing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=100, db_index=True)
    payload = models.TextField(help_text="The JSON request body, exactly as sent.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "webhook event"

    def __str__(self) -> str:
        return f"{self.type} {self.id}"

    @property
    def webhook_id(self) -> str:
        """The ``webhook-id`` header: the same on every try, replay and endpoint, so
        receivers deduplicate on it."""
        return str(self.id)

    def payload_data(self) -> Any:
        return json.loads(self.payload)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    # Withdrawn by an operator before it was sent (cancel_webhooks): never sent, kept in
    # the log, replayable.
    CANCELLED = "cancelled", "Cancelled"


class WebhookDelivery(models.Model):
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,  # the indexes below start with it
    )
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Tries made, all told.")
    schedule_position = models.PositiveIntegerField(
        default=0, help_text="Tries made on the current retry schedule (a replay resets it)."
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Fixed when the delivery is made (SPEC §12), so changing the endpoint later does not
    # change what its pending retries and replays send.
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.STANDARD)
    # NULL, not "": the body is the event's payload, not stored twice.
    body = models.TextField(  # noqa: DJ001
        null=True,
        blank=True,
        help_text="The request body, when it is not the event's payload as it is (every "
        "format but standard).",
    )
    retry_schedule = models.CharField(
        max_length=MAX_SCHEDULE_CHARS,
        blank=True,
        help_text="The endpoint's retry schedule when this delivery started (or was "
        "replayed); empty: WEBHOOKS_RETRY_SCHEDULE.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        permissions = [("replay_delivery", "Can replay webhook deliveries")]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")
        ]
        indexes = [
            # The dispatcher's "what is due" query: pending rows in due order, read straight
            # off the index. (A partial index WHERE status = 'pending' was skipped by
            # SQLite, which cannot match it against a bound parameter, and every claim
            # sorted the whole backlog.)
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            # An endpoint's due deliveries, read by the dispatcher serving it, and whether it
            # has any (claims).
            models.Index(
                fields=["endpoint", "status", "next_attempt_at", "id"],
                name="delivery_endpoint_due_idx",
            ),
            # An ordered endpoint's deliveries in event order: its head, then the rest.
            models.Index(fields=["endpoint", "status", "id"], name="delivery_endpoint_order_idx"),
            # One endpoint's log, newest first (the admin, the portal, the API): without it
            # the id index is read backwards past every other endpoint's deliveries.
            models.Index(fields=["endpoint", "-id"], name="delivery_endpoint_id_idx"),
            models.Index(fields=["status", "-created_at"], name="delivery_status_idx"),
            # The API's delivery log: newest first (by id, its cursor), one status.
            models.Index(fields=["status", "-id"], name="delivery_status_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.endpoint}"

    def request_body(self) -> str:
        """The exact body every try of this delivery sends. Deliveries made before bodies
        were stored are rendered from their event in their (pinned) format."""
        if self.body is not None:
            return self.body  # without reading the event
        return formats.sent_body(self.format, None, self.event.payload, self.event.webhook_id)


def is_success(status_code: int | None) -> bool:
    """A 2xx answer is a delivered webhook, anything else is not (Standard Webhooks)."""
    return status_code is not None and 200 <= status_code < 300


# The same rule as a filter on attempts: is_success() is the one to change with it.
SUCCESSFUL_ATTEMPT = models.Q(status_code__gte=200, status_code__lt=300)


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField(help_text="1 for the first try of this delivery.")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    request_headers = models.JSONField(default=dict)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The start of the response body.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = "delivery attempt"
        constraints = [
            # One row per try: a delivery sent twice shows as two numbers, never as one
            # number twice (recording numbers the tries, not the sender's snapshot).
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_unique"),
        ]
        indexes = [
            # Endpoint health in the admin counts the attempts of the last 24 hours.
            models.Index(fields=["started_at"], name="attempt_started_idx"),
        ]

    def __str__(self) -> str:
        outcome = self.status_code if self.status_code is not None else self.error[:40]
        return f"attempt {self.number}: {outcome}"
