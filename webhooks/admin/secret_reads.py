"""The record of secret reads in the admin: the latest on each endpoint's page, and the
whole record, read-only (nobody edits or deletes an audit trail by hand)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from webhooks.admin.large_tables import LargeTableAdmin
from webhooks.admin.log import ReadOnlyAdmin
from webhooks.models import SecretRead, WebhookEndpoint

RECENT_READS = 10


@admin.register(SecretRead)
class SecretReadAdmin(LargeTableAdmin[SecretRead], ReadOnlyAdmin[SecretRead]):
    list_display = ["read_at", "endpoint", "read_by", "through"]
    list_filter = ["through"]
    list_select_related = ["endpoint"]
    search_fields = ["read_by"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def recent_reads(endpoint: WebhookEndpoint) -> str:
    """The endpoint's latest secret reads, for its change page."""
    reads = list(SecretRead.objects.filter(endpoint=endpoint)[:RECENT_READS])
    if not reads:
        return "Nobody has revealed it."
    return format_html_join(
        "",
        "<div>{} — {} through {}</div>",
        ((f"{r.read_at:%Y-%m-%d %H:%M:%S %Z}", r.read_by, r.get_through_display()) for r in reads),
    ) + format_html(
        '<div><a href="{}?endpoint__id__exact={}">Every read of its secret</a></div>',
        reverse("admin:webhooks_secretread_changelist"),
        endpoint.pk,
    )
