"""Scopes: each view names the scope each of its operations needs.

A view sets ``required_scopes``, a mapping from the DRF action (``list``, ``create``,
``approve``…) or HTTP method (for plain API views) to a scope. An operation missing from
it is refused: a new action is closed until someone decides who may use it. A view may also
say which requests need no key at all, with ``allows_anonymous(request)``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from http_api.models import ApiKey


def required_scope(request: Request, view: Any) -> str | None:
    scopes: dict[str, str] = getattr(view, "required_scopes", {})
    action = getattr(view, "action", None)
    return scopes.get(action or "") or scopes.get(request.method or "")


class HasScope(BasePermission):
    message = "This API key lacks the scope this operation needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        allows_anonymous = getattr(view, "allows_anonymous", None)
        if request.auth is None and allows_anonymous is not None and allows_anonymous(request):
            return True
        key = request.auth
        if not isinstance(key, ApiKey):
            return False  # answered 401: there was no key
        if request.method not in getattr(view, "allowed_methods", [request.method]):
            return True  # answered 405: no operation here to hold a scope for
        scope = required_scope(request, view)
        if scope is None or not key.has_scope(scope):
            self.message = (
                f"This API key lacks the scope {scope!r}."
                if scope
                else "No scope allows this operation."
            )
            return False
        return True


class KeyOrStaff(BasePermission):
    """The schema and its docs page: any valid key, or a staff member signed in to the
    admin."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ApiKey):
            return True
        return bool(request.user and request.user.is_staff)
