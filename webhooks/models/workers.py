"""The running dispatchers, and the admin overview's place in the app list."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from webhooks.models.log import WebhookDelivery


class WebhookWorker(models.Model):
    """A dispatcher that is running: each worker process beats here every second, so the
    others know how many share the endpoints and operators see who is sending."""

    name = models.CharField(max_length=200, unique=True, help_text="host:pid:tag")
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "webhook worker"

    def __str__(self) -> str:
        return self.name


class Overview(WebhookDelivery):
    """The admin's "Webhooks > Overview" page. A proxy has no table of its own; it gives
    the page its place in the admin's list of the webhooks app."""

    class Meta:
        proxy = True
        verbose_name = "overview"
        verbose_name_plural = "overview"
