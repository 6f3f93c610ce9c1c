"""A write answers with no more than its caller may read (SPEC §10).

Without the read scope of what it changed, a key (or a keyless public submission) gets a
receipt: the few fields that name the object and its state, never the record a read
would have refused. One mixin for every viewset, so no write can forget it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from http_api.models import ApiKey


def caller_key(serializer_context: Mapping[str, Any]) -> ApiKey | None:
    """The key of the request a serializer answers, if any: what it shows depends on it."""
    request = serializer_context.get("request")
    key = None if request is None else request.auth
    return key if isinstance(key, ApiKey) else None


def may_read(request: Request, scope: str) -> bool:
    key = request.auth
    return isinstance(key, ApiKey) and key.has_scope(scope)


class ReceiptMixin:
    # No docstring: drf-spectacular would take it as every operation's description.
    # read_scope: what reading these objects needs; receipt_fields: what a write shows
    # without it (an operation's own product, such as a new secret, among them).

    read_scope: str
    receipt_fields: frozenset[str]

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if (
            request.method not in SAFE_METHODS  # a read answers to its own scope
            and 200 <= response.status_code < 300
            # A replayed answer (idempotency) is stored bytes, already a receipt if it was.
            and isinstance(getattr(response, "data", None), dict)
            and not may_read(request, self.read_scope)
        ):
            response.data = {k: v for k, v in response.data.items() if k in self.receipt_fields}
        return response
