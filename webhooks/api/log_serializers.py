"""The delivery log as the API shows it: events, deliveries and their attempts
(SPEC §10). Payloads and bodies only to keys that also hold the read scope each domain
declares for its events (``EventType.read_scope``): they carry the domain's personal data."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import serializers

from http_api.receipts import caller_key
from webhooks.access import visibility
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEvent


class EventSerializer(serializers.ModelSerializer[WebhookEvent]):
    id = serializers.UUIDField(read_only=True, help_text="The webhook-id header.")

    class Meta:
        model = WebhookEvent
        fields = ["id", "type", "created_at"]


class EventDetailSerializer(EventSerializer):
    payload = serializers.SerializerMethodField(
        help_text="The event as stored: the request body of standard-format endpoints "
        "(another format's body is in its delivery). Null unless the key also holds "
        "the read scopes the event types declare: payloads carry personal data."
    )
    deliveries = serializers.SerializerMethodField()

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "payload", "deliveries"]

    def get_payload(self, event: WebhookEvent) -> dict[str, Any] | None:
        if not visibility.key_sees_payloads(caller_key(self.context)):
            return None
        payload: dict[str, Any] = event.payload_data()
        return payload

    def get_deliveries(self, event: WebhookEvent) -> list[dict[str, Any]]:
        return [
            {"id": d.pk, "endpoint": d.endpoint_id, "status": d.status, "attempts": d.attempts}
            for d in event.deliveries.all()
        ]


class DeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    type = serializers.CharField(read_only=True, source="event_type")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event", "type", "endpoint", "status", "attempts", "next_attempt_at",
            "last_status_code", "last_error", "format", "retry_schedule",
            "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {
            "format": {"help_text": "The body's format, fixed when the delivery was made."}
        }


class AttemptSerializer(serializers.ModelSerializer[DeliveryAttempt]):
    class Meta:
        model = DeliveryAttempt
        fields = [
            "number", "started_at", "duration_ms", "request_headers", "status_code",
            "response_body", "error",
        ]  # fmt: skip


class DeliveryDetailSerializer(DeliverySerializer):
    attempts_log = AttemptSerializer(many=True, read_only=True, source="attempt_log")
    body = serializers.SerializerMethodField(
        help_text="The request body every try of this delivery sends, in the format it was "
        "made with (what a replay sends). "
        "Null unless the key also holds the read scopes the event types declare."
    )

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "body", "attempts_log"]

    def get_body(self, delivery: WebhookDelivery) -> dict[str, Any] | None:
        if not visibility.key_sees_payloads(caller_key(self.context)):
            return None
        body: dict[str, Any] = json.loads(delivery.request_body())
        return body
