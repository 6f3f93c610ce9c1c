"""API keys: shown once, stored as a SHA-256 hash.

A key reads ``twk_<prefix>.<secret>``. The prefix is public (the admin lists it so an
operator can recognise a key) and finds the row; the secret is compared by its hash in
constant time. Keys carry 256 random bits, so a fast hash is enough: nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from http_api import grants
from http_api import scopes as api_scopes

KEY_MARK = "twk_"
PREFIX_LENGTH = 8
# How stale ``last_used_at`` may get: writing it on every request would make each read a
# write, which SQLite serialises with the dispatchers.
LAST_USED_PRECISION = timedelta(minutes=1)


def _hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def validate_scopes(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ValidationError("Scopes are a list of strings.", code="invalid")
    if unknown := api_scopes.validate(value):
        raise ValidationError(
            "Unknown scope %(unknown)s; known: %(known)s.",
            code="unknown_scope",
            params={"unknown": ", ".join(unknown), "known": ", ".join(api_scopes.SCOPES)},
        )


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def usable(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text="Who or what uses it.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list, validators=[validate_scopes])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The key acts as this user: recorded as the moderator of what it approves, "
        "and it keeps only the scopes this user holds.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return self.name

    @property
    def shown_prefix(self) -> str:
        return f"{KEY_MARK}{self.prefix}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def issue(self) -> str:
        """Gives the key a new secret and returns it: the only time it is readable."""
        self.prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        raw_key = f"{KEY_MARK}{self.prefix}.{secrets.token_urlsafe(32)}"
        self.key_hash = _hash(raw_key)
        return raw_key

    def clean(self) -> None:
        anonymous = [s for s in self.scopes or [] if s in api_scopes.NEEDS_A_USER]
        if anonymous and self.user_id is None:
            raise ValidationError(
                {
                    "user": f"{', '.join(anonymous)} needs a key that acts as a user: every "
                    "read of a secret is recorded against a person."
                },
                code="needs_a_user",
            )

    def has_scope(self, scope: str) -> bool:
        """Given the scope, and (acting as a user) that user still holds it."""
        return scope in self.scopes and grants.held(self.user, scope)

    def revoke(self) -> bool:
        """Returns whether it was in use until now. A revoked key stays listed."""
        if self.is_revoked:
            return False
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
        return True

    def mark_used(self) -> None:
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= LAST_USED_PRECISION:
            type(self).objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now

    @classmethod
    def create(cls, name: str, scopes: list[str], user: Any = None) -> tuple[ApiKey, str]:
        key = cls(name=name, scopes=list(dict.fromkeys(scopes)), user=user)
        raw_key = key.issue()
        key.full_clean()
        key.save()
        return key, raw_key

    @classmethod
    def find(cls, raw_key: str) -> ApiKey | None:
        """The usable key ``raw_key`` is, or None."""
        if not raw_key.startswith(KEY_MARK):
            return None
        prefix, dot, _ = raw_key[len(KEY_MARK) :].partition(".")
        if not dot or len(prefix) != PREFIX_LENGTH:
            return None
        key = cls.objects.usable().select_related("user").filter(prefix=prefix).first()
        if key is None or not hmac.compare_digest(key.key_hash, _hash(raw_key)):
            return None
        return key


# Django finds an app's models in its models module.
from http_api.idempotency.records import IdempotencyRecord  # noqa: E402

__all__ = ["ApiKey", "IdempotencyRecord"]
