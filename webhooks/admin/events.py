"""Webhook events in the admin: each as sent, with its deliveries, read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from webhooks.admin.large_tables import LargeTableAdmin, choices_filter
from webhooks.admin.log import ReadOnlyAdmin, pretty_json
from webhooks.event_types import registry
from webhooks.models import WebhookDelivery, WebhookEvent


class DeliveryInline(admin.TabularInline[WebhookDelivery, WebhookEvent]):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    show_change_link = True
    fields = readonly_fields = ("endpoint", "status", "attempts", "last_status_code", "last_error")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(LargeTableAdmin[WebhookEvent], ReadOnlyAdmin[WebhookEvent]):
    list_display = ["id", "type", "created_at"]
    list_filter = [choices_filter("type", "type", registry.choices), "created_at"]
    search_fields = ["=id"]
    fields = readonly_fields = ("id", "type", "created_at", "pretty_payload")
    inlines = [DeliveryInline]

    @admin.display(description="payload (request body)")
    def pretty_payload(self, obj: WebhookEvent) -> str:
        return pretty_json(obj.payload_data())
