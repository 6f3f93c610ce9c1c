from __future__ import annotations

from typing import Any

from django.db import models

from webhooks import crypto

# How a secret leaves the database in a serialization (dumpdata): still encrypted, and
# recognisable on the way back in (loaddata) so it is not taken for a plaintext secret.
EXPORT_PREFIX = "fernet:"


class EncryptedSecretField(models.TextField[str, str]):
    """Python sees the plaintext; the column holds only its Fernet ciphertext.

    Lookups on it cannot match (each encryption is randomised): find endpoints by id."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return crypto.decrypt(value) if value else ""

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else ""

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return EXPORT_PREFIX + crypto.encrypt(value) if value else ""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(EXPORT_PREFIX):
            return crypto.decrypt(value.removeprefix(EXPORT_PREFIX))
        return super().to_python(value)
