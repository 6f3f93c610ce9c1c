"""Standard Webhooks signatures (https://www.standardwebhooks.com): secrets, headers."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as random_source
import time
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format marker, not a secret
SECRET_BYTES = 32
MIN_SECRET_BYTES, MAX_SECRET_BYTES = 24, 64


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(random_source.token_bytes(SECRET_BYTES)).decode()


def secret_key_bytes(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a webhook secret starts with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret is whsec_ followed by base64") from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise ValueError(
            f"a webhook secret holds {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, not {len(key)}"
        )
    return key


def validate_secret(value: str) -> None:
    """Django validator; the message never repeats the value."""
    try:
        secret_key_bytes(value)
    except ValueError as exc:
        raise ValidationError(f"Not a valid secret: {exc}.", code="invalid_secret") from None


def sign(msg_id: str, timestamp: int, body: bytes, secrets: Sequence[str]) -> str:
    """``webhook-signature``: one ``v1,<base64 HMAC-SHA256>`` per secret, space-separated
    (several while a rotated secret's overlap lasts)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1,"
        + base64.b64encode(
            hmac.new(secret_key_bytes(secret), signed, hashlib.sha256).digest()
        ).decode()
        for secret in secrets
    )


TIMESTAMP_TOLERANCE = 5 * 60


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None) -> None:
    """Checks a received request the way Standard Webhooks receivers do; raises
    ``ValueError`` saying what is wrong. Header names are case-insensitive."""
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id")
    timestamp = lowered.get("webhook-timestamp", "")
    signatures = lowered.get("webhook-signature", "")
    if not msg_id or not timestamp.isdigit() or not signatures:
        raise ValueError("webhook-id, webhook-timestamp or webhook-signature is missing")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > TIMESTAMP_TOLERANCE:
        raise ValueError("webhook-timestamp is more than 5 minutes away from now")
    expected = sign(msg_id, int(timestamp), body, [secret]).encode()
    if not any(
        hmac.compare_digest(expected, candidate.encode()) for candidate in signatures.split()
    ):
        raise ValueError("no signature matches the secret")
