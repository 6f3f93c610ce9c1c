"""Who is in the portal, and the headers every portal answer carries.

A portal session holds one thing: the id of the link it was opened with. Each request
loads that link again, so a revoked or expired link ends its sessions at once. Views get
the link as an argument and reach objects only through ``webhooks.portal.scoping``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from webhooks.conf import conf
from webhooks.models import PortalLink
from webhooks.portal.csrf import portal_csrf
from webhooks.subscribers import links

SESSION_KEY = "portal_link"

P = ParamSpec("P")
PortalView = Callable[Concatenate[HttpRequest, PortalLink, P], HttpResponse]


def content_security_policy() -> str:
    # No script at all: the pages work without it, and nothing injected can run.
    return "; ".join(
        [
            "default-src 'none'",
            "style-src 'self'",
            "img-src 'self' data:",
            "form-action 'self'",
            "base-uri 'none'",
            f"frame-ancestors {conf.portal_frame_ancestors}",
        ]
    )


def secured(response: HttpResponse) -> HttpResponse:
    """The portal's headers: strict CSP, no Referer (a link's token must never leave in
    one), nothing cached (pages may show a secret)."""
    response["Content-Security-Policy"] = content_security_policy()
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if conf.portal_frame_ancestors != "'none'":
        # frame-ancestors says who may embed; X-Frame-Options: DENY would refuse them all.
        response.xframe_options_exempt = True
    return response


def denied(request: HttpRequest) -> HttpResponse:
    return secured(render(request, "portal/denied.html", status=403))


def portal_page(view: PortalView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """A portal view: called with the session's valid link, else the "link ended" page;
    its forms checked by ``webhooks.portal.csrf``."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        link = links.current(request.session.get(SESSION_KEY))
        if link is None:
            request.session.pop(SESSION_KEY, None)
            return denied(request)
        return secured(view(request, link, *args, **kwargs))

    return portal_csrf(wrapped)


def start_session(request: HttpRequest, link: PortalLink) -> None:
    """Binds the browser's session to ``link`` under a new session key, ending with it."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = link.pk
    request.session.set_expiry(link.expires_at)


def end_session(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def context(link: PortalLink, **extra: Any) -> dict[str, Any]:
    return {"subscriber": link.subscriber, "link": link, **extra}
