"""What the replay and cancel operations of ``/api/v1/deliveries/`` take and answer: the
selection of ``replay_webhooks`` and ``cancel_webhooks``, as JSON."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from webhooks.api.event_type_fields import EventTypeChoices, event_type_field
from webhooks.delivery_log.selection import STATUSES

REPLAY_STATUSES = [*STATUSES, "all"]


class SelectionSerializer(EventTypeChoices, serializers.Serializer[Any]):
    """The filters of ``manage.py replay_webhooks`` and ``cancel_webhooks``."""

    event_type_fields = ("type",)

    delivery = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=10_000
    )
    event = serializers.UUIDField(required=False, help_text="a webhook-id")
    endpoint = serializers.IntegerField(required=False, min_value=1)
    type = event_type_field(required=False)
    since = serializers.CharField(
        required=False, help_text="ISO 8601, or a duration back from now (30m, 2h, 3d)"
    )
    until = serializers.CharField(required=False)
    limit = serializers.IntegerField(required=False, min_value=1)
    dry_run = serializers.BooleanField(default=False)


class ReplaySerializer(SelectionSerializer):
    """The filters of ``manage.py replay_webhooks``; none: every failed delivery."""

    status = serializers.ListField(
        child=serializers.ChoiceField(choices=REPLAY_STATUSES),
        required=False,
        help_text="default: failed (any status when deliveries or an event are named)",
    )
    as_new = serializers.BooleanField(
        default=False,
        help_text="send under a new webhook-id, for receivers that already processed the "
        "original; default: the same id, which receivers deduplicate on",
    )


class ReplayOneSerializer(serializers.Serializer[Any]):
    as_new = serializers.BooleanField(
        default=False, help_text="send under a new webhook-id (default: the same one)"
    )


class CancelSerializer(SelectionSerializer):
    """The filters of ``manage.py cancel_webhooks``; only pending deliveries are taken."""


class CancelResultSerializer(serializers.Serializer[Any]):
    dry_run = serializers.BooleanField()
    count = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())


class ReplayResultSerializer(serializers.Serializer[Any]):
    dry_run = serializers.BooleanField()
    count = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.ListField(
        child=serializers.DictField(), help_text="per disabled endpoint: its id, count, why"
    )
