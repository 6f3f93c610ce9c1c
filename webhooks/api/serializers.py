"""Endpoints, event types and status as the API shows them (SPEC §10); the delivery log's
shapes are in ``log_serializers``. Secrets appear only where an operation hands one out
(create, rotate, ``secret/``); custom header values never; a whole URL only to keys with
``webhooks:write``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from http_api.errors import clean_and_save
from http_api.receipts import caller_key
from webhooks.access import delegation, visibility
from webhooks.access.delegation import Delegator
from webhooks.api.event_type_fields import EventTypeChoices, event_type_field
from webhooks.event_filters import grammar
from webhooks.formats import Format
from webhooks.models import WebhookEndpoint
from webhooks.trust.masking import mask_url
from webhooks.validation import headers, tuning

HEALTH_FIELDS = [
    "is_active", "disabled_reason", "disabled_at", "consecutive_failures", "failing_since",
    "last_success_at", "last_failure_at", "paused_until", "pause_reason",
]  # fmt: skip


@extend_schema_field(
    {
        "type": "object",
        "maxProperties": headers.MAX_CUSTOM_HEADERS,
        "additionalProperties": {
            "type": ["string", "null"],
            "maxLength": headers.MAX_HEADER_VALUE,
        },
    }
)
class CustomHeadersField(serializers.DictField):
    """Custom headers, with their bounds in the OpenAPI document; the model checks them."""


class EndpointSerializer(EventTypeChoices, serializers.ModelSerializer[WebhookEndpoint]):
    event_type_fields = ("event_types",)
    event_types = serializers.ListField(
        child=event_type_field(),
        required=False,
        help_text="Event types to receive; empty means all.",
    )
    headers = CustomHeadersField(
        child=serializers.CharField(allow_blank=True, allow_null=True, trim_whitespace=False),
        required=False,
        write_only=True,
        help_text="Extra request headers (the receiver's credentials). Write-only: their "
        "values are never shown again, and go only to the origin (scheme, host, port) they "
        "were given for. An update sets the headers it names, removes those given null, and "
        "keeps the others; one that moves the URL to another origin keeps only those it "
        f"names. At most {headers.MAX_CUSTOM_HEADERS} headers, each value at most "
        f"{headers.MAX_HEADER_VALUE} characters.",
    )
    header_names = serializers.SerializerMethodField()
    dropped_headers = serializers.SerializerMethodField(
        help_text="Custom headers whose stored values this update dropped: the URL moved to "
        "another origin (scheme, host, port) and the request did not give them again. "
        "Empty otherwise."
    )
    format = serializers.ChoiceField(
        choices=Format.choices,
        required=False,
        help_text="The request body: Standard Webhooks JSON, a CloudEvents 1.0 event "
        "(structured JSON), or a Slack, Discord or Teams message; a delivery keeps the "
        "format it was made with. Left out when creating: picked from the URL "
        "(hooks.slack.com → slack, discord.com/api/webhooks → discord, Teams workflow URLs "
        "→ teams, else standard).",
    )
    filter = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text='Only events whose data match, e.g. {"order": {"total": {"$gte": 100}}}; '
        "{} sends every event of the chosen types. Operators: $eq $neq $gt $gte $lt $lte "
        f"$in $nin $exists $startsWith $and $or $not. At most {grammar.MAX_BYTES // 1024} KiB "
        f"of JSON and {grammar.MAX_NODES} values, operators and fields included.",
    )
    retry_schedule = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=tuning.MAX_SCHEDULE_CHARS,
        help_text="Delays before each retry, e.g. 10s,1m,10m,1h (N delays, N+1 tries); empty: "
        f"WEBHOOKS_RETRY_SCHEDULE. At most {tuning.MAX_SCHEDULE_DELAYS} delays, each after "
        "the first at least 1s, adding up to at most "
        f"{tuning.MAX_SCHEDULE_SPAN.days} days. A delivery keeps the schedule it started with.",
    )
    rate_limit = serializers.DecimalField(
        max_digits=9,
        decimal_places=3,
        min_value=Decimal("0.001"),
        allow_null=True,
        required=False,
        coerce_to_string=False,
        help_text="Requests per second at most, across every worker; null: no limit.",
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="whsec_… Leave out to have one generated; the response shows it once.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id", "url", "format", "description", "subscriber", "event_types", "filter",
            "headers", "header_names", "dropped_headers",
            "max_in_flight", "rate_limit", "ordered", "timeout", "retry_schedule",
            "secret", *HEALTH_FIELDS,
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [*HEALTH_FIELDS, "created_at", "updated_at"]

    def get_header_names(self, endpoint: WebhookEndpoint) -> list[str]:
        return sorted(endpoint.headers)

    def get_dropped_headers(self, endpoint: WebhookEndpoint) -> list[str]:
        return list(endpoint.dropped_header_names)

    def to_representation(self, instance: WebhookEndpoint) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not visibility.key_sees_url(caller_key(self.context)):
            data["url"] = mask_url(instance.url)
        return data

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None:
            fields.pop("secret")  # rotate it instead
        return fields

    def validate_subscriber(self, subscriber: Any) -> Any:
        """Putting an endpoint into a subscriber hands it to the holders of its portal
        links: the key must hold what a link grants (SPEC §10)."""
        current = self.instance.subscriber_id if self.instance is not None else None
        if delegation.places_endpoint(current, subscriber):
            Delegator.key(caller_key(self.context)).ensure(delegation.PLACE_ENDPOINT)
        return subscriber

    def create(self, validated_data: dict[str, Any]) -> WebhookEndpoint:
        given = validated_data.pop("headers", {})
        endpoint = WebhookEndpoint(**validated_data)  # no format given: picked from the URL
        endpoint.bind_headers(headers.patched({}, given).headers)
        clean_and_save(endpoint)  # an empty secret is generated on save
        return endpoint

    def update(self, instance: WebhookEndpoint, validated_data: dict[str, Any]) -> WebhookEndpoint:
        same_origin = instance.keeps_headers_at(validated_data.get("url", instance.url))
        carried = headers.patched(
            instance.headers, validated_data.pop("headers", {}), same_origin=same_origin
        )
        for field, value in validated_data.items():
            setattr(instance, field, value)
        instance.bind_headers(carried.headers)
        instance.dropped_header_names = tuple(carried.dropped)
        clean_and_save(instance)
        return instance


class CreatedEndpointSerializer(EndpointSerializer):
    """The create response: the endpoint and its signing secret, shown this once."""

    signing_secret = serializers.CharField(read_only=True, source="secret")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "signing_secret"]


class SecretSerializer(serializers.Serializer[Any]):
    secret = serializers.CharField(read_only=True)
    previous_secret = serializers.CharField(read_only=True, allow_null=True)
    previous_secret_expires_at = serializers.DateTimeField(read_only=True, allow_null=True)


class RotatedSecretSerializer(serializers.Serializer[Any]):
    secret = serializers.CharField(read_only=True, help_text="The new secret, shown this once.")
    previous_secret_expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="Until when the previous secret signs too (null: it stopped at once).",
    )


class RotateSerializer(serializers.Serializer[Any]):
    overlap = serializers.CharField(
        required=False,
        help_text="How long the previous secret keeps signing too (e.g. 24h, 0); "
        "default WEBHOOKS_SECRET_ROTATION_OVERLAP.",
    )


class DisableSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, max_length=1000)


class EventTypeSerializer(serializers.Serializer[Any]):
    type = serializers.CharField()
    description = serializers.CharField()
    schema = serializers.DictField(help_text="JSON Schema (2020-12) of the event's data")


class EventTypePageSerializer(serializers.Serializer[Any]):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = EventTypeSerializer(many=True)


class StatusSerializer(serializers.Serializer[Any]):
    pending = serializers.IntegerField()
    due = serializers.IntegerField()
    oldest_due_seconds = serializers.FloatField(allow_null=True)
    waiting_for_paused = serializers.IntegerField()
    waiting_for_disabled = serializers.IntegerField()
    failed = serializers.IntegerField()
    failed_last_hour = serializers.IntegerField()
    attempts_last_hour = serializers.IntegerField()
    failed_attempts_last_hour = serializers.IntegerField()
    active_endpoints = serializers.IntegerField()
    sending_endpoints = serializers.IntegerField()
    paused_endpoints = serializers.IntegerField()
    disabled_endpoints = serializers.IntegerField()
