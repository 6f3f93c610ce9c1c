"""Endpoints in the admin: subscriptions, health, and the secret's whole life (shown
once, revealed on purpose, rotated with an overlap), plus test events on demand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from webhooks import endpoint_actions
from webhooks.access import show_once as secrets
from webhooks.access import visibility
from webhooks.access.delegation import Delegator
from webhooks.admin.endpoint_columns import EndpointColumns
from webhooks.admin.endpoint_pages import EndpointPages
from webhooks.admin.secret_reads import recent_reads
from webhooks.endpoint_forms import EndpointForm
from webhooks.models import WebhookEndpoint
from webhooks.sending import health

HEALTH_WINDOW = timedelta(hours=24)
DELIVERY_FIELDS = ["max_in_flight", "rate_limit", "ordered", "timeout", "retry_schedule"]
DELIVERY_EXPLANATION = (
    "How this endpoint is sent to, whichever worker sends: at most this many requests at "
    "once, at most this many a second, and, if ordered, one at a time in event order; "
    "each try within its timeout, failed ones retried on its schedule. "
    "A 429 or 503 with Retry-After pauses the whole endpoint until then."
)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(EndpointColumns, EndpointPages):
    class Media:
        css = {"all": ["webhooks/admin.css"]}

    form = EndpointForm
    change_form_template = "admin/webhooks/webhookendpoint/change_form.html"
    # Seven columns: at 1400 px with the navigation and the filters open, nine cut the
    # last ones off. The URL goes under the name, the format beside the events.
    list_display = [
        "name_and_url",
        "state",
        "subscriptions",
        "last_success",
        "last_failure",
        "failure_streak",
        "success_rate",
    ]
    list_display_links = ["name_and_url"]
    list_filter = ["is_active", "format", "subscriber"]
    search_fields = ["description"]
    readonly_fields = [
        "masked_url",
        "header_names",
        "signing_secret",
        "secret_rotation",
        "secret_reads",
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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        # Putting an endpoint into a subscriber hands it to the holders of that
        # subscriber's portal links: only for those who hold what a link grants.
        if not Delegator.user(request.user).may_delegate:
            fields.append("subscriber")
        return fields

    def get_search_fields(self, request: HttpRequest) -> Any:
        # Searching by URL tells, one guess at a time, what a masked URL hides.
        if visibility.user_sees_url(request.user):
            return ["url", "description"]
        return self.search_fields

    def get_fieldsets(self, request: HttpRequest, obj: WebhookEndpoint | None = None) -> Any:
        main = [
            "url",
            "format",
            "description",
            "subscriber",
            "event_types",
            "filter",
            "is_active",
            "headers",
        ]
        if obj is not None and not self.has_change_permission(request, obj):
            # Viewing is not editing (SPEC §10): header values are write-only, so a page
            # without a form shows their names; and the URL is masked but for editors.
            swapped = {"headers": "header_names"}
            if not visibility.user_sees_url(request.user):
                swapped["url"] = "masked_url"
            main = [swapped.get(field, field) for field in main]
        if obj is None:
            return [
                (None, {"fields": main, "description": "A secret is generated on save."}),
                (
                    "Delivery",
                    {
                        "fields": [*DELIVERY_FIELDS],
                        "description": DELIVERY_EXPLANATION,
                    },
                ),
            ]
        return [
            (None, {"fields": [*main, "signing_secret", "secret_rotation", "secret_reads"]}),
            (
                "Delivery",
                {
                    "fields": [*DELIVERY_FIELDS, "pause"],
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

    # -- change page ----------------------------------------------------------------

    @admin.display(description="headers")
    def header_names(self, obj: WebhookEndpoint) -> str:
        names = ", ".join(sorted(obj.headers))
        return f"{names} (values are write-only)" if names else "none"

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

    @admin.display(description="secret reads")
    def secret_reads(self, obj: WebhookEndpoint) -> str:
        return recent_reads(obj)

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
        switch = change and "is_active" in form.changed_data
        wanted = obj.is_active
        if switch:
            # The switch goes through enable()/disable(), which announce it: the rest of
            # the form is saved with the endpoint as it was.
            obj.is_active = not wanted
        super().save_model(request, obj, form, change)
        if isinstance(form, EndpointForm) and (dropped := form.dropped_headers_message()):
            self.message_user(request, dropped, messages.WARNING)
        if switch:
            if wanted:
                endpoint_actions.enable(obj)
            else:
                endpoint_actions.disable(obj, f"Disabled by {request.user}.")
