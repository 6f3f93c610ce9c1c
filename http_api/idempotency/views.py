"""The views' side: every ``POST`` of a viewset with this mixin honours its key."""

from __future__ import annotations

from typing import Any, cast

from rest_framework.request import Request
from rest_framework.response import Response

from http_api.idempotency import keys


class IdempotentPostMixin:
    """Claims the key after authentication, permissions and throttles (so a replay is
    only ever given to the key's owner, within its scopes and rate), and keeps the
    answer once the view has made it."""

    _idempotency_claim: keys.Claim | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request.method == "POST":
            self._idempotency_claim = keys.begin(request)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, keys.Replay):
            # Stored bytes stand in for a Response: finalize_response passes them through.
            return cast(Response, exc.response)
        return super().handle_exception(exc)  # type: ignore[misc,no-any-return]

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        claim, self._idempotency_claim = self._idempotency_claim, None
        if claim is not None:
            keys.finish(claim, response)
        return response

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc,no-any-return]
        except BaseException:
            # An error no handler answered (DEBUG shows it): the key may run again.
            claim, self._idempotency_claim = self._idempotency_claim, None
            if claim is not None:
                keys.abandon(claim)
            raise
