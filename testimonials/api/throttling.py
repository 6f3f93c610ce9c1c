"""Submissions without a key, counted per client address (``TESTIMONIALS_PUBLIC_RATE``).
The address is ``REMOTE_ADDR`` unless the operator said how many proxies stand in front
(``API_TRUSTED_PROXIES``), so a visitor cannot pick a fresh one per request."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from testimonials.conf import conf


class PublicSubmissionThrottle(SimpleRateThrottle):
    scope = "public_submission"

    def get_rate(self) -> str:
        return conf.public_rate

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.auth is not None:
            return None  # a key's requests are throttled per key
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
