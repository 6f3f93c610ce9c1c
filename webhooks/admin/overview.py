"""Webhooks > Overview: is it delivering, and which receiver is broken? The last 24 hours
of deliveries and attempt latency, the backlog now, and each endpoint's success rate,
from ``webhooks.reporting.queries``, drawn by ``charts``."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from webhooks.conf import conf
from webhooks.delivery_log import pruning, retention
from webhooks.durations import format_duration
from webhooks.models import Overview
from webhooks.reporting import charts
from webhooks.reporting import queries as overview_queries

TEMPLATE = "admin/webhooks/overview.html"


@admin.register(Overview)
class OverviewAdmin(admin.ModelAdmin[Overview]):
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may read the delivery log may see it summed up.
        return request.user.has_perm("webhooks.view_webhookdelivery")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.retention_view)
        return [path("retention/", view, name="webhooks_overview_retention"), *super().get_urls()]

    def retention_view(self, request: HttpRequest) -> HttpResponse:
        """How long the log is kept and what the next run would delete (a dry run, read
        off the status index: seconds at most at any size), with a button to run it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        can_apply = request.user.has_perm("webhooks.delete_webhookdelivery")
        if request.method == "POST":
            if not can_apply:
                raise PermissionDenied
            async_task(retention.TASK)
            messages.success(request, "Retention queued: a worker applies it now.")
            return HttpResponseRedirect(request.path)
        cutoffs = pruning.retention(timezone.now())
        started = time.monotonic()
        counted = pruning.count(cutoffs, whole_days=True) if cutoffs.groups() else None
        schedule = Schedule.objects.filter(func=retention.TASK).first()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Delivery log retention",
            "kept": _kept(conf.retention),
            "kept_failed": _kept(conf.retention_failed),
            "counted": counted,
            "took_ms": (time.monotonic() - started) * 1000,
            "scheduled": schedule is not None,
            "next_run": schedule.next_run if schedule else None,
            "can_apply": can_apply,
        }
        return TemplateResponse(request, "admin/webhooks/retention.html", context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        data = overview_queries.build(timezone.now())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Webhooks overview",
            "overview": data,
            "totals": data.totals,
            "deliveries_chart": charts.deliveries(data.hours),
            "latency_chart": charts.latency(data.hours),
            "endpoints": [
                {
                    "health": health,
                    "state": health.endpoint.state,
                    "sparkline": charts.sparkline(health.hourly_rates),
                    "rate": "—" if health.success_rate is None else f"{health.success_rate:.1%}",
                }
                for health in data.endpoints
            ],
            "spark": {"width": charts.SPARK_WIDTH, "height": charts.SPARK_HEIGHT},
            "can_view_endpoints": request.user.has_perm("webhooks.view_webhookendpoint"),
        }
        return TemplateResponse(request, TEMPLATE, context)


def _kept(kept: timedelta | None) -> str:
    return "ever" if kept is None else format_duration(kept)
