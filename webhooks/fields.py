from __future__ import annotations

from typing import Any

from django.db import models

from webhooks import crypto


class EncryptedSecretField(models.TextField[str, str]):
    """Python sees the plaintext; the column holds only its Fernet ciphertext.

    Lookups on it cannot match (each encryption is randomised): find endpoints by id."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return crypto.decrypt(value) if value else ""

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else ""
