"""Per-key request rates (``API_KEY_RATE``), counted in the shared cache."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from http_api.models import ApiKey


class KeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self) -> str:
        # Read when used, not when the class is defined, so the setting can change.
        return str(getattr(settings, "API_KEY_RATE", "1200/minute"))

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None  # requests without a key have their own throttles, or none
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
