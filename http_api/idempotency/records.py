"""What is kept of a request sent with an idempotency key."""

from __future__ import annotations

from django.db import models


class IdempotencyRecord(models.Model):
    class State(models.TextChoices):
        RUNNING = "running"
        DONE = "done"

    # Whose key it is: ``key:<api key id>``, or ``address:<client address>`` without one.
    owner = models.CharField(max_length=100)
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path and parsed body: the same request, whatever its
    # multipart boundary or JSON key order.
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    # The answer, encrypted with a key made from the caller's API key: it may carry a
    # signing secret, which nobody reading the database may learn.
    sealed_body = models.TextField(blank=True)
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        app_label = "api"
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="api_idempotency_owner_key")
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
