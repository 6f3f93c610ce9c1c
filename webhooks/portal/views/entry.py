"""Entering the portal with a link, and leaving it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from webhooks.models import PortalLink
from webhooks.portal import access
from webhooks.portal.csrf import portal_csrf
from webhooks.subscribers import audit, links


def enter(request: HttpRequest, token: str) -> HttpResponse:
    """Exchanges the link's token for a session bound to the link, then sends the
    browser to a clean address: the token stays neither in the address bar nor, with
    ``Referrer-Policy: no-referrer``, in any Referer."""
    link = links.find(token)
    if link is None:
        return access.denied(request)
    access.start_session(request, link)
    PortalLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
    audit.record(link, "opened the portal")
    return access.secured(HttpResponseRedirect(reverse("portal:home")))


@portal_csrf
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    access.end_session(request)
    return access.secured(render(request, "portal/left.html"))
