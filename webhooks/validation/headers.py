"""Receivers' custom request headers.

They usually carry the receiver's own credentials (``Authorization: Bearer …``, an API
key), so they are treated like signing secrets: checked at save, encrypted at rest
(``fields.EncryptedJSONField``), never shown again after saving (forms show ``KEPT`` in
place of each value, the API only the names), and redacted in every attempt record
whatever their name. Nothing here puts a value into a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError

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
MAX_CUSTOM_HEADERS = 20
MAX_HEADER_VALUE = 1000
# RFC 9110 §5.1: a field name is a token.
_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# RFC 9110 §5.5, narrowed to visible ASCII: no control character (so no CR, LF or NUL),
# no leading or trailing blank, spaces and tabs only between visible characters. obs-text
# (bytes above 0x7F) is refused: HTTP libraries disagree on its encoding, and an encoding
# error would quote the value.
_VALUE = re.compile(r"(?:[\x21-\x7e](?:[ \t]*[\x21-\x7e])*)?")

REDACTED = "[redacted]"
# Shown in a form in place of each stored value; submitted back, it keeps that value.
# Not ASCII, so never a value anyone can store.
KEPT = "••••••••"


def _refusal(name: Any, value: Any) -> str | None:
    """Why ``name: value`` cannot be sent; names the header, never quotes the value."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return f"{name!r} is not a header name (letters, digits and !#$%&'*+-.^_`|~)."
    if name.lower() in RESERVED_HEADERS:
        return f"{name} is set by the dispatcher and cannot be overridden."
    if not isinstance(value, str) or len(value) > MAX_HEADER_VALUE:
        return f"The value of {name} must be text of at most {MAX_HEADER_VALUE} characters."
    if not _VALUE.fullmatch(value):
        return (
            f"The value of {name} must be visible ASCII characters, with spaces or tabs "
            "only between them (no line breaks or control characters)."
        )
    return None


def validate_custom_headers(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError("An object of header names to values.", code="invalid_headers")
    if len(value) > MAX_CUSTOM_HEADERS:
        raise ValidationError(
            f"At most {MAX_CUSTOM_HEADERS} custom headers.", code="too_many_headers"
        )
    seen: set[str] = set()
    for name, header_value in value.items():
        if reason := _refusal(name, header_value):
            raise ValidationError(reason, code="invalid_header")
        if name.lower() in seen:
            raise ValidationError(
                f"{name} is given twice (header names ignore case).", code="duplicate_header"
            )
        seen.add(name.lower())


def unsendable(headers: Mapping[str, str]) -> str | None:
    """Why these headers cannot be sent, if they cannot: the same check as at save, for
    headers stored before it was this strict."""
    for name, value in headers.items():
        if reason := _refusal(name, value):
            return reason
    return None


def redacted(sent: Mapping[str, str], custom_names: Iterable[str]) -> dict[str, str]:
    """The request headers as an attempt records them: every custom value hidden."""
    hidden = {name.lower() for name in custom_names}
    return {name: REDACTED if name.lower() in hidden else value for name, value in sent.items()}


def for_form(stored: Mapping[str, str]) -> dict[str, str]:
    """What an edit form shows: the names, each with ``KEPT`` for its value."""
    return dict.fromkeys(stored, KEPT)


def from_form(stored: Mapping[str, str], submitted: Mapping[str, Any]) -> dict[str, Any]:
    """A form's headers: the names it lists, ``KEPT`` keeping the stored value (under the
    name as now written), anything else replacing it; a name left out is removed."""
    by_name = {name.lower(): value for name, value in stored.items()}
    return {
        name: by_name.get(name.lower(), value) if value == KEPT else value
        for name, value in submitted.items()
    }


def patched(stored: Mapping[str, str], changes: Mapping[str, Any]) -> dict[str, Any]:
    """An API update: each named header set, or removed when given ``null``; the others
    kept, since a client cannot read their values to send them back."""
    named = {name.lower() for name in changes}
    kept = {name: value for name, value in stored.items() if name.lower() not in named}
    return kept | {name: value for name, value in changes.items() if value is not None}
