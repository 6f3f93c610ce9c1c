"""Webhooks > Overview: is it delivering, and which receiver is broken? The last 24 hours
of deliveries and attempt latency, the backlog now, and each endpoint's success rate,
from ``webhooks.reporting.queries``, drawn by ``charts``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

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
