from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db import models

from webhooks.trust import crypto

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


class EncryptedJSONField(models.TextField[Any, Any]):
    """A JSON object (custom request headers: receivers' credentials) that Python sees as
    a dict and the column holds only as Fernet ciphertext, under the same keys as the
    signing secrets. An empty object is stored as an empty string."""

    # What the type checker lets be assigned and read back (a TextField's would be str).
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return json.loads(crypto.decrypt(value)) if value else {}

    def get_prep_value(self, value: Any) -> str:
        if isinstance(value, str):  # a form's text, or an export
            value = self.to_python(value)
        return crypto.encrypt(json.dumps(value, ensure_ascii=False)) if value else ""

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return EXPORT_PREFIX + crypto.encrypt(json.dumps(value)) if value else ""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            if value.startswith(EXPORT_PREFIX):
                return json.loads(crypto.decrypt(value.removeprefix(EXPORT_PREFIX)))
            return json.loads(value) if value else {}
        return value

    def formfield(self, **kwargs: Any) -> Any:
        return forms.JSONField(**{"required": not self.blank, **kwargs})
