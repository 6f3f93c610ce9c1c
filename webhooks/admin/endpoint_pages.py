"""The endpoint admin's own pages (reveal and rotate the secret, send a test event) and
its bulk actions, each a call to the domain operations of ``webhooks.endpoint_actions``
(the API and the commands call the same): no second copy of a rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from webhooks import endpoint_actions
from webhooks.access import show_once as secrets
from webhooks.access.revealing import reveal
from webhooks.admin.preview import preview_page
from webhooks.endpoint_forms import RotateSecretForm
from webhooks.exceptions import EndpointDisabled
from webhooks.models import SecretRead, WebhookEndpoint
from webhooks.text import counted

CONFIRM_TEMPLATE = "admin/webhooks/webhookendpoint/confirm.html"
ROTATE_EXPLANATION = (
    "A new secret is generated and shown once, on the endpoint's page. Until the overlap "
    "ends every request carries two signatures, one per secret, so the receiver keeps "
    "verifying while it switches."
)


class EndpointPages(admin.ModelAdmin[WebhookEndpoint]):
    """Mixed into ``WebhookEndpointAdmin``."""

    def has_reveal_secret_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.reveal_secret")

    def has_rotate_secret_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.rotate_secret")

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
            path("<path:object_id>/preview/", wrap(self.preview_view), name=f"{name}_preview"),
        ]
        return own + super().get_urls()

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return preview_page(self, request, object_id)

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
            current = reveal(
                endpoint,
                by=f"admin user {request.user}",
                through=SecretRead.Through.ADMIN,
                user=request.user,
            )[0]
            context = {"title": "Signing secret", "secret": current}
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
            endpoint_actions.enable(endpoint)
        self.message_user(
            request, f"{counted(len(queryset), 'endpoint')} enabled.", messages.SUCCESS
        )

    @admin.action(permissions=["change"], description="Disable selected endpoints")
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        changed = sum(
            endpoint_actions.disable(endpoint, f"Disabled by {request.user}.")
            for endpoint in queryset
        )
        self.message_user(request, f"{counted(changed, 'endpoint')} disabled.", messages.SUCCESS)

    @admin.action(permissions=["change"], description="Resume selected paused endpoints now")
    def resume_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        paused = [endpoint for endpoint in queryset if endpoint.is_paused()]
        for endpoint in paused:
            endpoint_actions.resume(endpoint)
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
            endpoint_actions.rotate_secret(endpoint, overlap)
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
                delivery = endpoint_actions.send_test_event(
                    endpoint, requested_by=str(request.user)
                )
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
