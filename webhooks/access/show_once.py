"""Showing a signing secret once, after it was made, without keeping it anywhere.

The session remembers only which endpoint's secret is still to be shown; the page that
shows it reads the secret from the database and forgets the endpoint."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

_SESSION_KEY = "webhooks:show_secret_once"


def show_once(request: HttpRequest, endpoint_ids: Iterable[int]) -> None:
    pending = set(request.session.get(_SESSION_KEY, [])) | set(endpoint_ids)
    request.session[_SESSION_KEY] = sorted(pending)


def take(request: HttpRequest, endpoint_id: int) -> bool:
    """Whether ``endpoint_id``'s secret is due to be shown; true at most once."""
    pending = list(request.session.get(_SESSION_KEY, []))
    if endpoint_id not in pending:
        return False
    pending.remove(endpoint_id)
    request.session[_SESSION_KEY] = pending
    return True
