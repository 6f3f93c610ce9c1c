"""Validation shared by the admin, commands and any API: runs in ``full_clean()``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from webhooks.event_types import registry
from webhooks.validation.headers import validate_custom_headers
from webhooks.validation.ssrf import LOOPBACK, loopback_name, parse_ip_literal, refusal_reason

# The migrations that created the headers field name its validator here.
__all__ = ["validate_custom_headers", "validate_event_types", "validate_webhook_url"]


def validate_webhook_url(value: str) -> None:
    """Scheme, host and the address policy; a host name is not resolved here (DNS may be
    down when the form is saved) but checked again, resolved, at every send."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(f"Not a valid URL: {exc}.", code="invalid_url") from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError("Use an http:// or https:// URL.", code="invalid_scheme")
    if not parts.hostname:
        raise ValidationError("The URL has no host.", code="no_host")
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            "Credentials in the URL would be stored and logged in clear; use custom "
            "headers for authentication.",
            code="credentials_in_url",
        )
    if port == 0:
        raise ValidationError("Port 0 cannot be connected to.", code="invalid_port")
    address = parse_ip_literal(parts.hostname)
    if address is not None and (reason := refusal_reason(address)):
        raise ValidationError(f"Refused: {address} is {reason}.", code="address_not_allowed")
    if loopback_name(parts.hostname) and (reason := refusal_reason(LOOPBACK)):
        raise ValidationError(
            f"Refused: {parts.hostname} names this machine, and {LOOPBACK} is {reason}.",
            code="address_not_allowed",
        )


def validate_event_types(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("A list of event type names.", code="invalid_event_types")
    known = registry.names()
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ValidationError(
            "Unknown event type(s): %(unknown)s. Known: %(known)s.",
            code="unknown_event_type",
            params={"unknown": ", ".join(unknown), "known": ", ".join(known)},
        )
