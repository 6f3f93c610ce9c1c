"""``Authorization: Bearer <key>``."""

from __future__ import annotations

import logging

from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from http_api.models import ApiKey

logger = logging.getLogger(__name__)

INVALID = "Invalid or revoked API key."


class BearerKeyAuthentication(BaseAuthentication):
    """No header: anonymous (most operations then answer 401). A key that is not one of
    ours, or revoked: 401 at once."""

    def authenticate(self, request: Request) -> tuple[object, ApiKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Write the header as: Bearer <key>.")
        try:
            raw_key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        key = ApiKey.find(raw_key)
        if key is None:
            # The prefix only: it names a key without giving it away.
            logger.info("API request with an unknown or revoked key %s", raw_key[:12])
            raise exceptions.AuthenticationFailed(INVALID)
        key.mark_used()
        return key.user or AnonymousUser(), key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (with this challenge) rather than 403 to a request
        # without a key.
        return 'Bearer realm="api"'
