"""An endpoint's deliveries (filtered, newest first, paged by id), one delivery with its
attempts, and replays: of one delivery, or of every failed one since a time. Replays go
through ``webhooks.delivery_log`` as the admin's, the API's and ``replay_webhooks`` do."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from webhooks.delivery_log import replay
from webhooks.delivery_log.selection import Selection
from webhooks.models import DeliveryStatus, PortalLink
from webhooks.portal import access, scoping
from webhooks.portal.forms import DeliveryFilterForm, ReplaySinceForm
from webhooks.subscribers import audit
from webhooks.text import counted

PAGE_SIZE = 50


@access.portal_page
def listing(request: HttpRequest, link: PortalLink, endpoint_id: int) -> HttpResponse:
    endpoint = scoping.endpoint(link, endpoint_id)
    filters = DeliveryFilterForm(request.GET or None)
    rows = scoping.deliveries(link).filter(endpoint=endpoint)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    if chosen.get("status"):
        rows = rows.filter(status=chosen["status"])
    if chosen.get("type"):
        rows = rows.filter(event__type=chosen["type"])
    if chosen.get("since"):
        start = datetime.combine(chosen["since"], time.min, tzinfo=UTC)
        rows = rows.filter(created_at__gte=start)
    if chosen.get("before"):
        rows = rows.filter(id__lt=chosen["before"])
    # Paged by id, newest first: no count, so a page costs the same at any depth.
    page = list(
        rows.select_related("event")
        .only(
            "id",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "created_at",
            "event__type",
            "event__id",
        )
        .order_by("-id")[: PAGE_SIZE + 1]
    )
    older = None
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        query = request.GET.copy()
        query["before"] = str(page[-1].pk)
        older = query.urlencode()
    return render(
        request,
        "portal/deliveries.html",
        access.context(
            link,
            endpoint=endpoint,
            filters=filters,
            deliveries=page,
            older=older,
            replay_form=ReplaySinceForm(),
        ),
    )


@access.portal_page
def detail(request: HttpRequest, link: PortalLink, delivery_id: int) -> HttpResponse:
    delivery = scoping.delivery(link, delivery_id)
    attempts = list(delivery.attempt_log.order_by("number"))
    return render(
        request,
        "portal/delivery.html",
        access.context(
            link,
            delivery=delivery,
            endpoint=delivery.endpoint,
            attempts=attempts,
            # What this endpoint was sent: its own deliveries' bodies are its own data.
            body=delivery.request_body(),
            replayable=delivery.status != DeliveryStatus.PENDING,
        ),
    )


@access.portal_page
@require_POST
def replay_one(request: HttpRequest, link: PortalLink, delivery_id: int) -> HttpResponse:
    delivery = scoping.delivery(link, delivery_id)
    _replay(request, link, Selection(delivery_ids=(delivery.pk,)), f"delivery #{delivery.pk}")
    return HttpResponseRedirect(reverse("portal:delivery", args=[delivery.pk]))


@access.portal_page
@require_POST
def replay_failed(request: HttpRequest, link: PortalLink, endpoint_id: int) -> HttpResponse:
    endpoint = scoping.endpoint(link, endpoint_id)
    form = ReplaySinceForm(request.POST)
    target = reverse("portal:deliveries", args=[endpoint.pk])
    if not form.is_valid():
        messages.error(request, f"Replay: {' '.join(str(e) for e in form.errors.get('since', []))}")
        return HttpResponseRedirect(target)
    since = form.cleaned_data["since"]
    selection = Selection(endpoint_id=endpoint.pk, since=since)
    _replay(
        request, link, selection, f"endpoint #{endpoint.pk}", f"failed since {since:%Y-%m-%d %H:%M}"
    )
    return HttpResponseRedirect(target)


def _replay(
    request: HttpRequest, link: PortalLink, selection: Selection, target: str, detail: str = ""
) -> None:
    # The selection is applied to this subscriber's deliveries only.
    plan = replay.plan(selection.queryset() & scoping.deliveries(link))
    refusal = plan.refusal(selection)
    if refusal is not None:
        messages.error(request, f"Nothing replayed: {refusal}. Enable the endpoint first.")
        return
    done = replay.replay([c.id for c in plan.candidates])
    audit.record(link, "replayed", target, f"{counted(done, 'delivery')} {detail}".strip())
    messages.success(request, f"Replayed {counted(done, 'delivery')}: a worker sends them now.")
