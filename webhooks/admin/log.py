"""The delivery log in the admin: read-only, filterable, and replayable."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from webhooks import counting, formats
from webhooks.access import visibility
from webhooks.admin.large_tables import LargeTableAdmin, choices_filter
from webhooks.conf import conf
from webhooks.delivery_log import backlog, cancel, replay
from webhooks.durations import format_durations
from webhooks.event_types import registry
from webhooks.models import DeliveryAttempt, DeliveryStatus, WebhookDelivery
from webhooks.text import counted

_M = TypeVar("_M", bound=Model)

STATUS_COLOURS: dict[str, str] = {
    DeliveryStatus.SUCCEEDED: "#2e7d32",
    DeliveryStatus.FAILED: "#c62828",
    DeliveryStatus.PENDING: "#b26a00",
    DeliveryStatus.CANCELLED: "#616161",
}


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    """The log is written by the dispatcher, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def pretty_json(value: Any) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


class AttemptInline(admin.TabularInline[DeliveryAttempt, WebhookDelivery]):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "number",
        "started_at",
        "duration",
        "status_code",
        "error",
        "response_excerpt",
        "headers_sent",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="duration")
    def duration(self, obj: DeliveryAttempt) -> str:
        return f"{obj.duration_ms} ms"

    @admin.display(description="response (start)")
    def response_excerpt(self, obj: DeliveryAttempt) -> str:
        return format_html("<pre>{}</pre>", obj.response_body) if obj.response_body else ""

    @admin.display(description="request headers (credentials redacted)")
    def headers_sent(self, obj: DeliveryAttempt) -> str:
        return pretty_json(obj.request_headers)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(LargeTableAdmin[WebhookDelivery], ReadOnlyAdmin[WebhookDelivery]):
    change_form_template = "admin/webhooks/webhookdelivery/change_form.html"
    list_display = [
        "id",
        "event_type",
        "endpoint",
        "status_badge",
        "attempts",
        "http_status",
        "short_error",
        "next_try",
        "created",
    ]
    list_filter = [
        "status",
        "endpoint",
        choices_filter("event__type", "event type", registry.choices),
        "created_at",
    ]
    list_select_related = ["event", "endpoint"]
    search_fields = ["=event__id", "last_error"]
    # Newest first by id, the primary key's order: ids follow creation, and the id
    # index serves every page and the status filter's (status, id) index too, where
    # ordering by created_at sorted the whole filtered log for its first 100 rows.
    ordering = ["-id"]
    fields = readonly_fields = (
        "event_link",
        "endpoint_link",
        "status_badge",
        "attempts",
        "next_attempt_at",
        "schedule",
        "last_status_code",
        "last_error",
        "created_at",
        "updated_at",
        "payload",
    )
    inlines = [AttemptInline]
    actions = ["replay_selected", "replay_as_new_selected", "cancel_selected"]

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.replay_delivery")

    def get_fields(self, request: HttpRequest, obj: WebhookDelivery | None = None) -> Any:
        fields = super().get_fields(request, obj)
        if visibility.user_sees_payloads(request.user):
            return fields
        # The body carries the event's payload: for those who may read the event log.
        return [field for field in fields if field != "payload"]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        state = backlog.snapshot(timezone.now(), failed_up_to=counting.COUNT_CAP)
        extra = {**(extra_context or {}), "backlog": backlog.describe(state)}
        return super().changelist_view(request, extra)

    @admin.display(description="created", ordering="created_at")
    def created(self, obj: WebhookDelivery) -> str:
        return format_html(
            '<span title="{}">{}</span>', obj.created_at.isoformat(), naturaltime(obj.created_at)
        )

    @admin.display(description="event", ordering="event__type")
    def event_type(self, obj: WebhookDelivery) -> str:
        return obj.event.type

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: WebhookDelivery) -> str:
        colour = STATUS_COLOURS.get(obj.status, "inherit")
        return format_html(
            '<strong style="color: {}">{}</strong>', colour, obj.get_status_display()
        )

    @admin.display(description="HTTP", ordering="last_status_code")
    def http_status(self, obj: WebhookDelivery) -> str:
        return str(obj.last_status_code or self.get_empty_value_display())

    @admin.display(description="next try", ordering="next_attempt_at")
    def next_try(self, obj: WebhookDelivery) -> str:
        if obj.status != DeliveryStatus.PENDING or obj.next_attempt_at is None:
            return self.get_empty_value_display()
        return naturaltime(obj.next_attempt_at)

    @admin.display(description="last error")
    def short_error(self, obj: WebhookDelivery) -> str:
        error = obj.last_error
        return error if len(error) <= 60 else error[:59] + "…"

    @admin.display(description="event (webhook-id)")
    def event_link(self, obj: WebhookDelivery) -> str:
        url = reverse("admin:webhooks_webhookevent_change", args=[obj.event_id])
        return format_html('<a href="{}">{} {}</a>', url, obj.event.type, obj.event_id)

    @admin.display(description="endpoint")
    def endpoint_link(self, obj: WebhookDelivery) -> str:
        url = reverse("admin:webhooks_webhookendpoint_change", args=[obj.endpoint_id])
        return format_html('<a href="{}">{}</a> ({})', url, obj.endpoint, obj.endpoint.masked_url)

    @admin.display(description="retry schedule")
    def schedule(self, obj: WebhookDelivery) -> str:
        # Kept from when the delivery started (or was replayed): the endpoint's may differ.
        return obj.retry_schedule or f"{format_durations(conf.retry_schedule)} (the default)"

    @admin.display(description="request body")
    def payload(self, obj: WebhookDelivery) -> str:
        # Fixed when the delivery was made: what every try and a replay send.
        body = pretty_json(json.loads(obj.request_body()))
        if obj.format == formats.Format.STANDARD:
            return body
        return format_html(
            "<p>{} (the event in the format the delivery was made with)</p>{}",
            obj.get_format_display(),
            body,
        )

    @admin.action(permissions=["replay"], description="Replay selected deliveries")
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        self._replay(request, queryset)

    @admin.action(
        permissions=["replay"], description="Replay selected deliveries as new (new webhook-id)"
    )
    def replay_as_new_selected(
        self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]
    ) -> None:
        self._replay(request, queryset, as_new=True)

    # Deciding what is sent, like replaying: the same permission.
    @admin.action(permissions=["replay"], description="Cancel selected pending deliveries")
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        done = cancel.cancel(list(queryset.values_list("id", flat=True)))
        self.message_user(
            request,
            f"Cancelled {counted(done, 'delivery')}: they will not be sent (only pending "
            "deliveries can be cancelled; replay brings one back).",
            messages.SUCCESS,
        )

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_replay"
        view = self.admin_site.admin_view(require_POST(self.replay_view))
        return [path("<path:object_id>/replay/", view, name=name), *super().get_urls()]

    def replay_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_replay_permission(request):
            raise PermissionDenied
        delivery = self.get_object(request, unquote(object_id))
        if delivery is None:
            raise Http404(f"No webhook delivery with id {object_id!r}.")
        self._replay(request, WebhookDelivery.objects.filter(pk=delivery.pk))
        return HttpResponseRedirect(
            reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
        )

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> HttpResponse:
        context["can_replay"] = self.has_replay_permission(request)
        return super().render_change_form(request, context, *args, **kwargs)

    def _replay(
        self, request: HttpRequest, deliveries: QuerySet[WebhookDelivery], as_new: bool = False
    ) -> None:
        plan = replay.plan(deliveries)
        for error, count in plan.refused:
            self.message_user(
                request, f"Not replayed ({counted(count, 'delivery')}): {error}.", messages.ERROR
            )
        if plan.candidates:
            done = replay.replay([c.id for c in plan.candidates], as_new=as_new)
            how = (
                "as new deliveries under new webhook-ids"
                if as_new
                else "with a fresh retry schedule"
            )
            self.message_user(
                request,
                f"Replayed {counted(done, 'delivery')} {how}; a running worker sends them now.",
                messages.SUCCESS,
            )
