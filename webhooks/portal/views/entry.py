"""Entering the portal with a link, and leaving it.

Opening a link (``GET /portal/enter/<token>/``) grants nothing: the session only notes
the link as offered and the browser goes on to a clean address at once, so the token
stays neither in the address bar nor in a Referer. The page there asks, and a POST (with
its CSRF token) opens the portal. So a link read from a log, or planted on another page,
opens nothing by itself, and a GET never switches a browser out of the portal it is in.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from webhooks.models import PortalLink
from webhooks.portal import access
from webhooks.subscribers import audit, links


@require_GET
def enter(request: HttpRequest, token: str) -> HttpResponse:
    """Notes the link as offered and moves on to the page that asks."""
    link = links.find(token)
    if link is None:
        return access.denied(request, referrer_policy="no-referrer")
    request.session[access.OFFER_KEY] = link.pk
    return access.secured(
        HttpResponseRedirect(reverse("portal:open")), referrer_policy="no-referrer"
    )


@require_http_methods(["GET", "POST"])
def open_offered(request: HttpRequest) -> HttpResponse:
    """Asks before opening the offered link's portal (saying so when the browser is in
    another subscriber's), and opens it on POST."""
    offered = links.current(request.session.get(access.OFFER_KEY))
    if offered is None:
        return access.denied(request)
    if request.method == "POST":
        del request.session[access.OFFER_KEY]
        access.start_session(request, offered)
        PortalLink.objects.filter(pk=offered.pk).update(last_used_at=timezone.now())
        audit.record(offered, "opened the portal")
        return access.secured(HttpResponseRedirect(reverse("portal:home")))
    current = links.current(request.session.get(access.SESSION_KEY))
    context = {"offered": offered, "current": current}
    return access.secured(render(request, "portal/enter.html", context))


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    access.end_session(request)
    return access.secured(render(request, "portal/left.html"))
