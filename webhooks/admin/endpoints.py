"""Endpoints in the admin: subscriptions, health, and the secret's whole life (shown
once, revealed on purpose, rotated with an overlap), plus test events on demand."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from webhooks import health
from webhooks.admin import secrets
from webhooks.admin.forms import EndpointForm, RotateSecretForm
from webhooks.exceptions import EndpointDisabled
from webhooks.models import WebhookEndpoint
from webhooks.pings import send_test_event
from webhooks.text import counted

logger = logging.getLogger(__name__)

CONFIRM_TEMPLATE = "admin/webhooks/webhookendpoint/confirm.html"
HEALTH_WINDOW = timedelta(hours=24)
DELIVERY_EXPLANATION = (
    "How this endpoint is sent to, whichever worker sends: at most this many requests at "
    "once, at most this many a second, and, if ordered, one at a time in event order. "
    "A 429 or 503 with Retry-After pauses the whole endpoint until then."
)
ROTATE_EXPLANATION = (
    "A new secret is generated and shown once, on the endpoint's page. Until the overlap "
    "ends every request carries two signatures, one per secret, so the receiver keeps "
    "verifying while it switches."
)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    form = EndpointForm
    change_form_template = "admin/webhooks/webhookendpoint/change_form.html"
    list_display = [
        "__str__",
        "url",
        "state",
        "subscriptions",
        "last_success",
        "last_failure",
        "failure_streak",
        "success_rate",
    ]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    readonly_fields = [
        "signing_secret",
        "secret_rotation",
        "pause",
        "consecutive_failures",
        "failing_since",
        "last_success_at",
        "last_failure_at",
        "disabled_at",
        "disabled_reason",
        "created_at",
        "updated_at",
    ]
    actions = [
        "send_test_event_selected",
        "rotate_secret_selected",
        "enable_selected",
        "disable_selected",
        "resume_selected",
    ]

    def get_fieldsets(self, request: HttpRequest, obj: WebhookEndpoint | None = None) -> Any:
        main = ["url", "description", "event_types", "is_active", "headers"]
        if obj is None:
            return [
                (None, {"fields": main, "description": "A secret is generated on save."}),
                (
                    "Delivery",
                    {
                        "fields": ["max_in_flight", "rate_limit", "ordered"],
                        "description": DELIVERY_EXPLANATION,
                    },
                ),
            ]
        return [
            (None, {"fields": [*main, "signing_secret", "secret_rotation"]}),
            (
                "Delivery",
                {
                    "fields": ["max_in_flight", "rate_limit", "ordered", "pause"],
                    "description": DELIVERY_EXPLANATION,
                },
            ),
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookEndpoint]:
        since = timezone.now() - HEALTH_WINDOW
        return health.with_recent_attempts(super().get_queryset(request), since)

    def has_reveal_secret_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.reveal_secret")

    def has_rotate_secret_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.rotate_secret")

    # -- list columns ---------------------------------------------------------------

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

    @admin.display(description="events")
    def subscriptions(self, obj: WebhookEndpoint) -> str:
        if not obj.event_types:
            return "all"
        return ", ".join(t.removeprefix("testimonial.") for t in obj.event_types)

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

    # -- change page ----------------------------------------------------------------

    @admin.display(description="signing secret")
    def signing_secret(self, obj: WebhookEndpoint) -> str:
        return (
            "Hidden. It was shown once when it was made; people with the “reveal signing "
            "secret” permission can show it again with “Reveal secret” above."
        )

    @admin.display(description="previous secret")
    def secret_rotation(self, obj: WebhookEndpoint) -> str:
        expires = obj.previous_secret_expires_at
        if not obj.previous_secret or expires is None or expires <= timezone.now():
            return "none signing any more"
        return f"Also signs every request until {expires:%Y-%m-%d %H:%M %Z} (rotation overlap)."

    @admin.display(description="paused")
    def pause(self, obj: WebhookEndpoint) -> str:
        if not obj.is_paused() or obj.paused_until is None:
            return "no"
        return (
            f"until {obj.paused_until:%Y-%m-%d %H:%M:%S %Z}: {obj.pause_reason}. Its deliveries "
            "wait without using a try; “Resume now” (list actions) ends the pause."
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = {
            **(extra_context or {}),
            "can_reveal_secret": self.has_reveal_secret_permission(request),
            "can_rotate_secret": self.has_rotate_secret_permission(request),
        }
        pk = unquote(object_id)
        # Only a page that owes its secret reads it; every other load reads the row once.
        if request.method == "GET" and pk.isdigit() and secrets.take(request, int(pk)):
            endpoint = self.get_object(request, pk)
            if endpoint is not None:
                extra["secret_once"] = endpoint.secret
        return super().change_view(request, object_id, form_url, extra)

    def response_add(
        self, request: HttpRequest, obj: WebhookEndpoint, post_url_continue: str | None = None
    ) -> HttpResponse:
        # Always on to the new endpoint's page: that is where its secret is shown, once.
        if "_popup" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        secrets.show_once(request, [obj.pk])
        self.message_user(
            request,
            f"The endpoint “{obj}” was added, with the signing secret below.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(obj))

    def save_model(
        self,
        request: HttpRequest,
        obj: WebhookEndpoint,
        form: ModelForm[WebhookEndpoint],
        change: bool,
    ) -> None:
        if change and "is_active" in form.changed_data:
            if obj.is_active:
                obj.enable()
            else:
                obj.disabled_at = timezone.now()
                obj.disabled_reason = f"Disabled by {request.user}."
        super().save_model(request, obj, form, change)

    # -- extra pages ----------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        own = [
            path(
                "<path:object_id>/reveal-secret/",
                wrap(self.reveal_secret_view),
                name=f"{name}_reveal_secret",
            ),
            path(
                "<path:object_id>/rotate-secret/",
                wrap(self.rotate_secret_view),
                name=f"{name}_rotate_secret",
            ),
            path(
                "<path:object_id>/send-test/", wrap(self.send_test_view), name=f"{name}_send_test"
            ),
        ]
        return own + super().get_urls()

    def reveal_secret_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        endpoint = self._endpoint(request, object_id)
        if not self.has_reveal_secret_permission(request):
            raise PermissionDenied
        context: dict[str, Any] = {
            "title": "Reveal the signing secret",
            "button": "Reveal",
            "explanation": "Whoever holds the secret can forge this service's webhooks to "
            "the receiver. Revealing it is recorded in the endpoint's history.",
        }
        if request.method == "POST":
            self.log_change(request, endpoint, "Revealed the signing secret.")
            logger.info(
                "signing secret of webhook endpoint %s revealed to %s", endpoint.pk, request.user
            )
            context = {"title": "Signing secret", "secret": endpoint.secret}
        return self._confirm_page(request, endpoint, context)

    def rotate_secret_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        endpoint = self._endpoint(request, object_id)
        if not self.has_rotate_secret_permission(request):
            raise PermissionDenied
        form = RotateSecretForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            self._rotate(request, [endpoint], form.cleaned_data["overlap"])
            return HttpResponseRedirect(self._change_url(endpoint))
        return self._confirm_page(
            request,
            endpoint,
            {
                "title": "Rotate the signing secret",
                "form": form,
                "button": "Rotate secret",
                "explanation": ROTATE_EXPLANATION,
            },
        )

    def send_test_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        endpoint = self._endpoint(request, object_id)
        if not self.has_change_permission(request, endpoint):
            raise PermissionDenied
        if request.method == "POST":
            self._send_tests(request, [endpoint])
            changelist = reverse("admin:webhooks_webhookdelivery_changelist")
            return HttpResponseRedirect(f"{changelist}?endpoint__id__exact={endpoint.pk}")
        return self._confirm_page(
            request,
            endpoint,
            {
                "title": "Send a test event",
                "button": "Send webhook.test",
                "explanation": "Sends a signed webhook.test event to this endpoint alone; a "
                "running worker delivers it and the delivery log shows each attempt.",
            },
        )

    # -- actions --------------------------------------------------------------------

    @admin.action(permissions=["change"], description="Send a test event to selected endpoints")
    def send_test_event_selected(
        self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]
    ) -> None:
        self._send_tests(request, list(queryset))

    @admin.action(permissions=["rotate_secret"], description="Rotate secret of selected endpoints…")
    def rotate_secret_selected(
        self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]
    ) -> HttpResponse | None:
        form = RotateSecretForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._rotate(request, list(queryset), form.cleaned_data["overlap"])
            return None
        context = {
            "title": "Rotate signing secrets",
            "form": form,
            "button": "Rotate secrets",
            "explanation": ROTATE_EXPLANATION,
            "queryset": queryset,
            "action": "rotate_secret_selected",
        }
        return self._confirm_page(request, None, context)

    @admin.action(permissions=["change"], description="Enable selected endpoints")
    def enable_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            endpoint.enable()
        self.message_user(
            request, f"{counted(len(queryset), 'endpoint')} enabled.", messages.SUCCESS
        )

    @admin.action(permissions=["change"], description="Disable selected endpoints")
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        changed = queryset.filter(is_active=True).update(
            is_active=False,
            disabled_at=timezone.now(),
            disabled_reason=f"Disabled by {request.user}.",
        )
        self.message_user(request, f"{counted(changed, 'endpoint')} disabled.", messages.SUCCESS)

    @admin.action(permissions=["change"], description="Resume selected paused endpoints now")
    def resume_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        paused = [endpoint for endpoint in queryset if endpoint.is_paused()]
        for endpoint in paused:
            endpoint.resume()
        self.message_user(request, f"{counted(len(paused), 'endpoint')} resumed.", messages.SUCCESS)

    # -- helpers --------------------------------------------------------------------

    def _endpoint(self, request: HttpRequest, object_id: str) -> WebhookEndpoint:
        endpoint = self.get_object(request, unquote(object_id))
        if endpoint is None:
            raise Http404(f"No webhook endpoint with id {object_id!r}.")
        if not self.has_view_or_change_permission(request, endpoint):
            raise PermissionDenied
        return endpoint

    def _change_url(self, endpoint: WebhookEndpoint) -> str:
        return reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])

    def _confirm_page(
        self, request: HttpRequest, endpoint: WebhookEndpoint | None, context: dict[str, Any]
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": endpoint,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            **context,
        }
        return TemplateResponse(request, CONFIRM_TEMPLATE, context)

    def _rotate(
        self, request: HttpRequest, endpoints: list[WebhookEndpoint], overlap: timedelta
    ) -> None:
        for endpoint in endpoints:
            endpoint.rotate_secret(overlap)
            self.log_change(request, endpoint, f"Rotated the signing secret (overlap {overlap}).")
        secrets.show_once(request, [e.pk for e in endpoints])
        self.message_user(
            request,
            f"Rotated the signing secret of {counted(len(endpoints), 'endpoint')}. Each "
            "endpoint's page shows its new secret once; the previous one keeps signing for "
            "the overlap.",
            messages.SUCCESS,
        )

    def _send_tests(self, request: HttpRequest, endpoints: list[WebhookEndpoint]) -> None:
        for endpoint in endpoints:
            try:
                delivery = send_test_event(endpoint, requested_by=str(request.user))
            except EndpointDisabled as exc:
                self.message_user(request, f"Not sent: {exc}.", messages.ERROR)
                continue
            url = reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
            self.message_user(
                request,
                format_html(
                    'Test event queued for “{}” as <a href="{}">delivery #{}</a>; a running '
                    "worker sends it.",
                    endpoint,
                    url,
                    delivery.pk,
                ),
                messages.SUCCESS,
            )


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return format_html('<span title="{}">{}</span>', moment.isoformat(), naturaltime(moment))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
