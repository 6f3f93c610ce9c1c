"""Endpoint secrets at rest: MultiFernet over WEBHOOKS_ENCRYPTION_KEYS, the first key
encrypting and every key decrypting, so keys can be rotated without downtime."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.core.exceptions import ImproperlyConfigured

from webhooks.conf import conf
from webhooks.exceptions import SecretDecryptionError


def fernet_keys(keys: list[str]) -> list[Fernet]:
    """The keys as Fernet instances; ImproperlyConfigured names the first bad one."""
    fernets = []
    for number, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except ValueError:
            raise ImproperlyConfigured(
                f"WEBHOOKS_ENCRYPTION_KEYS: key {number} is not a Fernet key (32 url-safe "
                "base64-encoded bytes). Generate one with: python -c 'from "
                "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from None
    return fernets


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet(fernet_keys(list(keys)))


def _current() -> MultiFernet:
    return _multifernet(tuple(conf.encryption_keys))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    return _with_keys(lambda keys: keys.decrypt(token.encode())).decode()


def reencrypt(token: str) -> str:
    """The same secret under the first key (for key rotation)."""
    return _with_keys(lambda keys: keys.rotate(token.encode())).decode()


def key_number(token: str) -> int | None:
    """Which of WEBHOOKS_ENCRYPTION_KEYS (counting from 1) decrypts ``token``, if any."""
    for number, key in enumerate(fernet_keys(conf.encryption_keys), start=1):
        try:
            key.decrypt(token.encode())
        except InvalidToken:
            continue
        return number
    return None


def _with_keys(operation: Callable[[MultiFernet], bytes]) -> bytes:
    try:
        return operation(_current())
    except InvalidToken:
        # Never fall back to the stored text: that would sign with the ciphertext.
        raise SecretDecryptionError(
            "A webhook secret cannot be decrypted with WEBHOOKS_ENCRYPTION_KEYS. If the key "
            "was changed, list the new key first and the previous one after it."
        ) from None
