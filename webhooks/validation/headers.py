"""Receivers' custom request headers.

They usually carry the receiver's own credentials (``Authorization: Bearer …``, an API
key), so they are treated like signing secrets: checked at save, encrypted at rest
(``fields.EncryptedJSONField``), never shown again after saving (forms show ``KEPT`` in
place of each value, the API only the names), and redacted in every attempt record
whatever their name. Nothing here puts a value into a message.

They are also bound to the origin they were saved for (SPEC §10): a credential for one
host must not follow a URL edited to point at another. A form or an API update that moves
the URL to another origin carries over only the values it gives again (``carried``
reports the others as dropped), and the model keeps the origin beside the values
(``WebhookEndpoint.headers_origin``) so that nothing else sends them elsewhere either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

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
MAX_HEADER_NAME = 256
MAX_HEADER_VALUE = 4096  # 4 KiB: values are ASCII, a character a byte
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
    if isinstance(name, str) and len(name) > MAX_HEADER_NAME:
        return f"A header name is at most {MAX_HEADER_NAME} characters."
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


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> str:
    """The origin (scheme, host, port) a URL reaches, e.g. ``https://hooks.example.com:443``:
    what stored header values are bound to."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # not a port: no origin it could share with a valid URL
        port = None
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port or _DEFAULT_PORTS.get(scheme, '')}"


class Carried(NamedTuple):
    """The headers a request leaves an endpoint with, and the stored names it dropped:
    bound to the URL's previous origin and not given again for the new one."""

    headers: dict[str, Any]
    dropped: list[str]


def for_form(stored: Mapping[str, str]) -> dict[str, str]:
    """What an edit form shows: the names, each with ``KEPT`` for its value."""
    return dict.fromkeys(stored, KEPT)


def from_form(
    stored: Mapping[str, str], submitted: Mapping[str, Any], *, same_origin: bool = True
) -> Carried:
    """A form's headers: the names it lists, ``KEPT`` keeping the stored value (under the
    name as now written), anything else replacing it; a name left out is removed. When
    the URL moved to another origin ``KEPT`` keeps nothing: that value was the old
    origin's credential."""
    by_name = {name.lower(): value for name, value in stored.items()}
    headers: dict[str, Any] = {}
    dropped = []
    for name, value in submitted.items():
        if value != KEPT:
            headers[name] = value
        elif name.lower() not in by_name:
            headers[name] = value  # nothing stored under it: the validator refuses KEPT
        elif same_origin:
            headers[name] = by_name[name.lower()]
        else:
            dropped.append(name)
    return Carried(headers, dropped)


def patched(
    stored: Mapping[str, str], changes: Mapping[str, Any], *, same_origin: bool = True
) -> Carried:
    """An API update: each named header set, or removed when given ``null``; the others
    kept, since a client cannot read their values to send them back; but not when the
    URL moved to another origin: then only those given again are sent."""
    named = {name.lower() for name in changes}
    unnamed = [name for name in stored if name.lower() not in named]
    kept = {name: stored[name] for name in unnamed} if same_origin else {}
    given = {name: value for name, value in changes.items() if value is not None}
    return Carried(kept | given, [] if same_origin else unnamed)
