"""Who is in the portal, and the headers every portal answer carries.

A portal session holds one thing: the id of the link it was opened with. Each request
loads that link again, so a revoked or expired link ends its sessions at once. Views get
the link as an argument and reach objects only through ``webhooks.portal.scoping``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from webhooks.conf import conf
from webhooks.models import PortalLink
from webhooks.subscribers import links

SESSION_KEY = "portal_link"
# The link a browser was sent (``/portal/enter/<token>/``) and may open with a POST: an
# offer, not a grant. A GET never changes which portal a session is in.
OFFER_KEY = "portal_offer"

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


def secured(response: HttpResponse, referrer_policy: str = "same-origin") -> HttpResponse:
    """The portal's headers: strict CSP, nothing cached (pages may show a secret), and a
    Referer only to the portal itself, which keeps Django's CSRF check whole (under
    ``no-referrer`` browsers post forms with ``Origin: null``, which any page can make
    them send). The answer to a link's own URL sends none: its path holds the token."""
    response["Content-Security-Policy"] = content_security_policy()
    response["Referrer-Policy"] = referrer_policy
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if conf.portal_frame_ancestors != "'none'":
        # frame-ancestors says who may embed; X-Frame-Options: DENY would refuse them all.
        response.xframe_options_exempt = True
    return response


def denied(request: HttpRequest, referrer_policy: str = "same-origin") -> HttpResponse:
    return secured(render(request, "portal/denied.html", status=403), referrer_policy)


def portal_page(view: PortalView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """A portal view: called with the session's valid link, else the "link ended" page.
    Its forms are checked by Django's CSRF middleware, as every form of the site."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        link = links.current(request.session.get(SESSION_KEY))
        if link is None:
            request.session.pop(SESSION_KEY, None)
            return denied(request)
        return secured(view(request, link, *args, **kwargs))

    return cast(Callable[Concatenate[HttpRequest, P], HttpResponse], wrapped)


def start_session(request: HttpRequest, link: PortalLink) -> None:
    """Binds the browser's session to ``link`` under a new session key, ending with it."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = link.pk
    request.session.set_expiry(link.expires_at)


def end_session(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def context(link: PortalLink, **extra: Any) -> dict[str, Any]:
    return {"subscriber": link.subscriber, "link": link, **extra}
