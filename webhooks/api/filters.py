from __future__ import annotations

import django_filters

from http_api.filtering import IdFilter, InstantFilter
from webhooks.event_types import registry
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent


class EventFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=registry.CHOICES)
    since = InstantFilter(field_name="created_at", lookup_expr="gte")
    until = InstantFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = WebhookEvent
        fields = ["type", "since", "until"]


class DeliveryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    endpoint = IdFilter(field_name="endpoint_id", help_text="endpoint id")
    type = django_filters.ChoiceFilter(field_name="event__type", choices=registry.CHOICES)
    event = django_filters.UUIDFilter(field_name="event_id", help_text="webhook-id")
    since = InstantFilter(field_name="created_at", lookup_expr="gte")
    until = InstantFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = WebhookDelivery
        fields = ["status", "endpoint", "type", "event", "since", "until"]
