"""Validation shared by the admin, commands and any API: runs in ``full_clean()``."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from webhooks.events import EVENT_TYPES
from webhooks.ssrf import LOOPBACK, loopback_name, parse_ip_literal, refusal_reason

# Headers the dispatcher sets itself; a custom header must not replace them.
RESERVED_HEADERS = frozenset(
    {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "content-type",
        "content-length",
        "host",
        "user-agent",
        "transfer-encoding",
        "connection",
    }
)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
MAX_CUSTOM_HEADERS = 20
MAX_HEADER_VALUE = 1000


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
    unknown = sorted(set(value) - set(EVENT_TYPES))
    if unknown:
        raise ValidationError(
            "Unknown event type(s): %(unknown)s. Known: %(known)s.",
            code="unknown_event_type",
            params={"unknown": ", ".join(unknown), "known": ", ".join(EVENT_TYPES)},
        )


def validate_custom_headers(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError("An object of header names to values.", code="invalid_headers")
    if len(value) > MAX_CUSTOM_HEADERS:
        raise ValidationError(
            f"At most {MAX_CUSTOM_HEADERS} custom headers.", code="too_many_headers"
        )
    for name, header_value in value.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise ValidationError(f"{name!r} is not a header name.", code="invalid_header")
        if name.lower() in RESERVED_HEADERS:
            raise ValidationError(
                f"{name} is set by the dispatcher and cannot be overridden.",
                code="reserved_header",
            )
        if (
            not isinstance(header_value, str)
            or len(header_value) > MAX_HEADER_VALUE
            or any(c in header_value for c in "\r\n\0")
        ):
            raise ValidationError(
                f"The value of {name} must be text of at most {MAX_HEADER_VALUE} "
                "characters on one line.",
                code="invalid_header_value",
            )
