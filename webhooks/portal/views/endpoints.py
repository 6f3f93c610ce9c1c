"""The subscriber's endpoints: the list with their health, a new one, editing one, the
preview, and deleting one."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from webhooks.access import show_once
from webhooks.event_types.builtin import TEST_EVENT
from webhooks.formats import Format
from webhooks.models import PortalLink, Subscriber
from webhooks.portal import access, scoping
from webhooks.portal.forms import PortalEndpointForm, receivable
from webhooks.publishing.preview import preview
from webhooks.reporting import charts, queries
from webhooks.subscribers import audit


@access.portal_page
def home(request: HttpRequest, link: PortalLink) -> HttpResponse:
    endpoints = scoping.endpoints(link)
    health = queries.endpoint_health(queries.hour_starts(timezone.now()), endpoints)
    rows = []
    for endpoint in endpoints:
        seen = health.get(endpoint.pk)
        rate = seen.success_rate if seen else None
        rows.append(
            {
                "endpoint": endpoint,
                "state": endpoint.state,
                "spark": charts.sparkline(seen.hourly_rates if seen else []),
                "rate": "—" if rate is None else f"{rate:.1%}",
            }
        )
    return render(
        request,
        "portal/home.html",
        access.context(
            link,
            rows=rows,
            room=link.subscriber.max_endpoints - len(rows),
            spark_size={"width": charts.SPARK_WIDTH, "height": charts.SPARK_HEIGHT},
        ),
    )


@access.portal_page
def new(request: HttpRequest, link: PortalLink) -> HttpResponse:
    subscriber = link.subscriber
    form = PortalEndpointForm(request.POST or None, subscriber=subscriber)
    if request.method == "POST":
        with transaction.atomic():
            # One creation at a time per subscriber, so max_endpoints holds.
            list(Subscriber.objects.select_for_update().filter(pk=subscriber.pk).values("pk"))
            if form.is_valid():
                endpoint = form.save()
                audit.record(link, "created an endpoint", f"endpoint #{endpoint.pk}")
                show_once.show_once(request, [endpoint.pk])
                return HttpResponseRedirect(reverse("portal:endpoint", args=[endpoint.pk]))
    return render(
        request, "portal/endpoint_form.html", access.context(link, form=form, endpoint=None)
    )


@access.portal_page
def edit(request: HttpRequest, link: PortalLink, endpoint_id: int) -> HttpResponse:
    endpoint = scoping.endpoint(link, endpoint_id)
    form = PortalEndpointForm(request.POST or None, instance=endpoint, subscriber=link.subscriber)
    if request.method == "POST" and form.is_valid():
        changed = ", ".join(form.changed_data)
        form.save()
        audit.record(link, "changed an endpoint", f"endpoint #{endpoint.pk}", changed)
        if dropped := form.dropped_headers_message():
            messages.warning(request, dropped)
        return HttpResponseRedirect(reverse("portal:endpoint", args=[endpoint.pk]))
    secret = endpoint.secret if show_once.take(request, endpoint.pk) else ""
    return render(
        request,
        "portal/endpoint_form.html",
        access.context(
            link,
            form=form,
            endpoint=endpoint,
            state=endpoint.state,
            secret=secret,
            header_names=sorted(endpoint.headers),
        ),
    )


@access.portal_page
def remove(request: HttpRequest, link: PortalLink, endpoint_id: int) -> HttpResponse:
    endpoint = scoping.endpoint(link, endpoint_id)
    if request.method == "POST":
        name = f"endpoint #{endpoint.pk} ({endpoint})"
        endpoint.delete()
        audit.record(link, "deleted an endpoint", name)
        return HttpResponseRedirect(reverse("portal:home"))
    return render(request, "portal/confirm_delete.html", access.context(link, endpoint=endpoint))


@access.portal_page
def preview_page(request: HttpRequest, link: PortalLink, endpoint_id: int) -> HttpResponse:
    endpoint = scoping.endpoint(link, endpoint_id)
    types = [*receivable(link.subscriber), TEST_EVENT]
    chosen = request.GET.get("type", "")
    if chosen not in types:
        chosen = endpoint.event_types[0] if endpoint.event_types else types[0]
    # Samples only: a real event could be another subscriber's business.
    shown = preview(endpoint, chosen, real_events=False)
    return render(
        request,
        "portal/preview.html",
        access.context(
            link,
            endpoint=endpoint,
            types=types,
            chosen=chosen,
            preview=shown,
            is_chat=endpoint.format != Format.STANDARD,
        ),
    )
