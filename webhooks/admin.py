from __future__ import annotations

import json
from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from webhooks.events import EVENT_TYPES
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent


class EndpointForm(forms.ModelForm[WebhookEndpoint]):
    url = forms.URLField(label="URL", max_length=2048, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=[(t, t) for t in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked means every event type.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "event_types", "is_active", "headers"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    form = EndpointForm
    list_display = [
        "__str__",
        "url",
        "is_active",
        "last_success_at",
        "last_failure_at",
        "consecutive_failures",
    ]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    readonly_fields = [
        "signing_secret",
        "consecutive_failures",
        "failing_since",
        "last_success_at",
        "last_failure_at",
        "disabled_at",
        "disabled_reason",
        "created_at",
        "updated_at",
    ]
    actions = ["enable_selected", "disable_selected"]

    def get_fieldsets(self, request: HttpRequest, obj: WebhookEndpoint | None = None) -> Any:
        main = ["url", "description", "event_types", "is_active", "headers"]
        if obj is None:
            return [(None, {"fields": main, "description": "A secret is generated on save."})]
        return [
            (None, {"fields": [*main, "signing_secret"]}),
            (
                "Health",
                {
                    "fields": [
                        "disabled_reason",
                        "disabled_at",
                        ("last_success_at", "last_failure_at"),
                        ("consecutive_failures", "failing_since"),
                        ("created_at", "updated_at"),
                    ]
                },
            ),
        ]

    @admin.display(description="signing secret")
    def signing_secret(self, obj: WebhookEndpoint) -> str:
        return format_html(
            "<code>{}</code><div class='help'>Give it to the receiver: it verifies the "
            "webhook-signature header with it (Standard Webhooks).</div>",
            obj.secret,
        )

    @admin.action(permissions=["change"], description="Enable selected endpoints")
    def enable_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            endpoint.enable()
        self.message_user(request, f"{len(queryset)} endpoint(s) enabled.", messages.SUCCESS)

    @admin.action(permissions=["change"], description="Disable selected endpoints")
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        changed = queryset.filter(is_active=True).update(
            is_active=False, disabled_reason=f"Disabled by {request.user}."
        )
        self.message_user(request, f"{changed} endpoint(s) disabled.", messages.SUCCESS)


_M = TypeVar("_M", bound=Model)


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    """The log is written by the dispatcher, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttemptInline(admin.TabularInline[DeliveryAttempt, WebhookDelivery]):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "number",
        "started_at",
        "duration_ms",
        "status_code",
        "error",
        "response_body",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin[WebhookDelivery]):
    list_display = [
        "id",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "endpoint", "event__type", "created_at"]
    list_select_related = ["event", "endpoint"]
    search_fields = ["=event__id", "last_error"]
    date_hierarchy = "created_at"
    inlines = [AttemptInline]

    @admin.display(description="event type", ordering="event__type")
    def event_type(self, obj: WebhookDelivery) -> str:
        return obj.event.type


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin[WebhookEvent]):
    list_display = ["id", "type", "created_at"]
    list_filter = ["type", "created_at"]
    search_fields = ["=id"]
    date_hierarchy = "created_at"
    fields = readonly_fields = ("id", "type", "created_at", "pretty_payload")

    @admin.display(description="payload")
    def pretty_payload(self, obj: WebhookEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload_data(), indent=2))
