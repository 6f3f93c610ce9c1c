"""The endpoint list's columns: each endpoint's name and masked URL, state, what it
receives, and its health at a glance."""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils.html import format_html

from webhooks.event_types import registry
from webhooks.formats import Format
from webhooks.models import WebhookEndpoint


class EndpointColumns(admin.ModelAdmin[WebhookEndpoint]):
    """Mixed into ``WebhookEndpointAdmin``."""

    @admin.display(description="state", ordering="is_active")
    def state(self, obj: WebhookEndpoint) -> str:
        if obj.is_active and obj.is_paused() and obj.paused_until is not None:
            return format_html(
                '<span title="{}">paused until {}</span>',
                obj.pause_reason,
                f"{obj.paused_until:%Y-%m-%d %H:%M:%S}",
            )
        if obj.is_active:
            return "active"
        reason = obj.disabled_reason or "no reason recorded"
        return format_html('<span title="{}">disabled: {}</span>', reason, _shorten(reason, 60))

    @admin.display(description="webhook endpoint", ordering="description")
    def name_and_url(self, obj: WebhookEndpoint) -> str:
        if not obj.description:
            return str(obj)  # the masked URL already
        return format_html('{}<br><span class="wh-url">{}</span>', obj.description, obj.masked_url)

    @admin.display(description="events")
    def subscriptions(self, obj: WebhookEndpoint) -> str:
        events = _short_types(obj.event_types) if obj.event_types else "all"
        events = f"{events}, filtered" if obj.filter else events
        return events if obj.format == Format.STANDARD else f"{events} · {obj.format}"

    @admin.display(description="last success", ordering="last_success_at")
    def last_success(self, obj: WebhookEndpoint) -> str:
        return _ago(obj.last_success_at) or self.get_empty_value_display()

    @admin.display(description="last failure", ordering="last_failure_at")
    def last_failure(self, obj: WebhookEndpoint) -> str:
        return _ago(obj.last_failure_at) or self.get_empty_value_display()

    @admin.display(description="failures in a row", ordering="consecutive_failures")
    def failure_streak(self, obj: WebhookEndpoint) -> int:
        return obj.consecutive_failures

    @admin.display(description="success (24 h)")
    def success_rate(self, obj: WebhookEndpoint) -> str:
        tries = getattr(obj, "recent_attempts", 0)
        if not tries:
            return "no tries"
        return f"{getattr(obj, 'recent_successes', 0) / tries:.0%} of {tries}"

    @admin.display(description="URL")
    def masked_url(self, obj: WebhookEndpoint) -> str:
        return obj.masked_url


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return format_html('<span title="{}">{}</span>', moment.isoformat(), naturaltime(moment))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short_types(names: list[str]) -> str:
    """``media_added, responded, delivery.exhausted``: when every domain type starts with
    one word, it says nothing in a narrow column."""
    first_words = {t.name.partition(".")[0] for t in registry.domain_types()}
    if len(first_words) != 1:
        return ", ".join(names)
    (first_word,) = first_words
    return ", ".join(name.removeprefix(f"{first_word}.") for name in names)
