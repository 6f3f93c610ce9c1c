"""The record of every read of a signing secret after it was shown once (SPEC §10): the
admin's "Reveal", the API's ``GET …/{id}/secret/`` and the portal's "Reveal"."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from webhooks.models.endpoints import WebhookEndpoint
from webhooks.models.subscribers import PortalLink


class SecretRead(models.Model):
    class Through(models.TextChoices):
        ADMIN = "admin", "the admin"
        API = "api", "the API"
        PORTAL = "portal", "the portal"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="secret_reads"
    )
    read_at = models.DateTimeField(default=timezone.now)
    read_by = models.CharField(
        max_length=200, help_text="Who: an admin user, an API key and its user, a portal link."
    )
    through = models.CharField(max_length=10, choices=Through.choices)
    # Kept as text in read_by as well: the record outlives the account or the link.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    portal_link = models.ForeignKey(
        PortalLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="secret_reads"
    )

    class Meta:
        ordering = ["-read_at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-read_at"], name="secret_read_recent_idx")]

    def __str__(self) -> str:
        return f"{self.read_by} through {self.get_through_display()}"
