"""Subscribers in the admin: their limits, their endpoints, their portal links (made here
and shown once, revoked here) and what they did in the portal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from webhooks.access import delegation
from webhooks.access.delegation import Delegator
from webhooks.admin.large_tables import LargeTableAdmin
from webhooks.admin.log import ReadOnlyAdmin
from webhooks.durations import format_duration, parse_duration
from webhooks.event_types import registry
from webhooks.exceptions import InvalidDuration
from webhooks.models import PortalAction, Subscriber
from webhooks.subscribers import links

RECENT_ACTIONS = 20


class SubscriberForm(forms.ModelForm[Subscriber]):
    allowed_event_types = forms.MultipleChoiceField(
        choices=lambda: [(t.name, t.name) for t in registry.domain_types()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked: every event. Operational events about its own "
        "endpoints and test events are always allowed.",
    )

    class Meta:
        model = Subscriber
        fields = ["name", "contact_email", "allowed_event_types", "max_endpoints"]


class PortalLinkForm(forms.Form):
    expires = forms.CharField(
        initial=lambda: format_duration(links.lifetime(None)),
        help_text="How long the link works, e.g. 24h or 7d (at most 30d).",
    )

    def clean_expires(self) -> Any:
        try:
            return links.lifetime(parse_duration(self.cleaned_data["expires"]))
        except (InvalidDuration, links.InvalidLifetime) as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin[Subscriber]):
    form = SubscriberForm
    change_form_template = "admin/webhooks/subscriber/change_form.html"
    list_display = ["name", "contact_email", "endpoint_count", "max_endpoints", "created_at"]
    search_fields = ["name", "contact_email"]
    readonly_fields = ["endpoint_list", "portal_links", "recent_activity", "created_at"]

    def get_fieldsets(self, request: HttpRequest, obj: Subscriber | None = None) -> Any:
        main = (None, {"fields": ["name", "contact_email", "allowed_event_types", "max_endpoints"]})
        if obj is None:
            return [main]
        return [
            main,
            ("Endpoints", {"fields": ["endpoint_list"]}),
            ("Portal", {"fields": ["portal_links", "recent_activity"]}),
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subscriber]:
        return super().get_queryset(request).annotate(endpoint_total=Count("endpoints"))

    @admin.display(description="endpoints", ordering="endpoint_total")
    def endpoint_count(self, obj: Subscriber) -> int:
        return int(getattr(obj, "endpoint_total", 0))

    @admin.display(description="endpoints")
    def endpoint_list(self, obj: Subscriber) -> str:
        endpoints = list(obj.endpoints.only("id", "description", "url", "is_active"))
        if not endpoints:
            return "None yet."
        return format_html_join(
            "",
            '<div><a href="{}">{}</a> {}</div>',
            (
                (
                    reverse("admin:webhooks_webhookendpoint_change", args=[e.pk]),
                    str(e),
                    "" if e.is_active else "(disabled)",
                )
                for e in endpoints
            ),
        )

    @admin.display(description="portal links")
    def portal_links(self, obj: Subscriber) -> str:
        rows = list(obj.portal_links.all()[:20])
        if not rows:
            return "None: make one with “Portal link” above."
        return format_html_join(
            "",
            "<div>#{} {}, made {} by {}, expires {}</div>",
            (
                (r.pk, r.state, _minute(r.created_at), r.created_by, _minute(r.expires_at))
                for r in rows
            ),
        )

    @admin.display(description="recent portal activity")
    def recent_activity(self, obj: Subscriber) -> str:
        rows = list(obj.actions.all()[:RECENT_ACTIONS])
        if not rows:
            return "Nothing yet."
        return format_html_join(
            "",
            "<div>{} — {} {} (link #{}) {}</div>",
            (
                (f"{a.at:%Y-%m-%d %H:%M:%S}", a.action, a.target, a.link_id or "gone", a.detail)
                for a in rows
            ),
        ) + format_html(
            '<div><a href="{}?subscriber__id__exact={}">All of its portal activity</a></div>',
            reverse("admin:webhooks_portalaction_changelist"),
            obj.pk,
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        may_make_links = Delegator.user(request.user).may_delegate
        extra = {**(extra_context or {}), "may_make_links": may_make_links}
        return super().change_view(request, object_id, form_url, extra)

    # -- the portal link pages ----------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/portal-link/",
                wrap(self.portal_link_view),
                name="webhooks_subscriber_portal_link",
            ),
            path(
                "<path:object_id>/revoke-portal-links/",
                wrap(self.revoke_view),
                name="webhooks_subscriber_revoke_portal_links",
            ),
            *super().get_urls(),
        ]

    def _subscriber(self, request: HttpRequest, object_id: str) -> Subscriber:
        subscriber = self.get_object(request, unquote(object_id))
        if subscriber is None or not self.has_change_permission(request, subscriber):
            raise Http404
        return subscriber

    def portal_link_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        subscriber = self._subscriber(request, object_id)
        delegator = Delegator.user(request.user)
        delegator.ensure(delegation.MAKE_LINK)  # a 403 naming what is missing
        form = PortalLinkForm(request.POST or None)
        url = ""
        if request.method == "POST" and form.is_valid():
            link, enter_path = links.create(subscriber, delegator, form.cleaned_data["expires"])
            url = request.build_absolute_uri(enter_path)
            self.log_change(request, subscriber, f"Made portal link #{link.pk}.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": subscriber,
            "title": f"Portal link for {subscriber}",
            "form": form,
            "url": url,
        }
        return TemplateResponse(request, "admin/webhooks/subscriber/portal_link.html", context)

    def revoke_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        subscriber = self._subscriber(request, object_id)
        if request.method == "POST":
            revoked = links.revoke(subscriber.portal_links.all())
            self.log_change(request, subscriber, f"Revoked {revoked} portal link(s).")
            messages.success(request, f"Revoked {revoked} portal link(s); their sessions ended.")
        return HttpResponseRedirect(
            reverse("admin:webhooks_subscriber_change", args=[subscriber.pk])
        )


def _minute(moment: datetime) -> str:
    # Formatted before format_html, which escapes its arguments into text first.
    return f"{moment:%Y-%m-%d %H:%M}"


@admin.register(PortalAction)
class PortalActionAdmin(LargeTableAdmin[PortalAction], ReadOnlyAdmin[PortalAction]):
    """The record is written by the portal; deleting from it would defeat it."""

    list_display = ["at", "subscriber", "link", "action", "target", "detail"]
    list_filter = ["subscriber", "action"]
    list_select_related = ["subscriber", "link"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
