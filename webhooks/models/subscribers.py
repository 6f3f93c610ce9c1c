"""Subscribers: the teams that receive webhooks, their portal links, and what they did
through the portal (SPEC §11). An endpoint without a subscriber is the operator's."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from webhooks.event_types.builtin import TEST_EVENT
from webhooks.event_types.registry import OPERATIONAL_EVENTS
from webhooks.validation.validators import validate_event_types

if TYPE_CHECKING:
    from webhooks.models.endpoints import WebhookEndpoint

# Enough for any team; a subscriber asking for more is a conversation with the operator.
MAX_ENDPOINTS_LIMIT = 1000


class Subscriber(models.Model):
    name = models.CharField(max_length=100, unique=True)
    contact_email = models.EmailField(blank=True)
    allowed_event_types = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_event_types],
        help_text="The event types its endpoints may receive; empty means all. "
        "Operational events about its own endpoints and test events are always allowed.",
    )
    max_endpoints = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(MAX_ENDPOINTS_LIMIT)],
        help_text="How many endpoints it may have (the portal refuses more).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if isinstance(self.allowed_event_types, list):
            special = sorted(set(self.allowed_event_types) & {*OPERATIONAL_EVENTS, TEST_EVENT})
            if special:
                raise ValidationError(
                    {
                        "allowed_event_types": f"{', '.join(special)} need no allowing: they "
                        "are always allowed, about the subscriber's own endpoints."
                    }
                )

    def may_subscribe(self, event_types: list[str]) -> list[str]:
        """Those of ``event_types`` this subscriber may not receive (empty: all fine).
        Naming no type means every event but the operational ones, which a restricted subscriber may
        not ask for."""
        allowed = self.allowed_event_types
        if not allowed:
            return []
        if not event_types:
            return ["every event type"]
        always = {*OPERATIONAL_EVENTS, TEST_EVENT}
        return [t for t in event_types if t not in allowed and t not in always]

    def check_endpoint(self, endpoint: WebhookEndpoint) -> None:
        """The subscriber's limits on one of its endpoints, as a ValidationError: the
        admin, the API and the portal all save through ``full_clean``."""
        refused = self.may_subscribe(list(endpoint.event_types or []))
        if refused:
            raise ValidationError({"event_types": f"{self} may not receive {', '.join(refused)}."})
        # Joining: new, or moved here from the operator or another subscriber. An
        # endpoint it already has stays editable after max_endpoints is lowered.
        joining = endpoint.pk is None or not self.endpoints.filter(pk=endpoint.pk).exists()
        if joining and self.endpoints.count() >= self.max_endpoints:
            raise ValidationError(
                f"{self} has {self.max_endpoints} endpoints, as many as it may have."
            )


class PortalLink(models.Model):
    """A way into the portal for one subscriber. Only a hash of the token is kept: the
    URL is shown once, when the link is made."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="portal_links"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=200, help_text="Who made the link.")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"portal link #{self.pk} for {self.subscriber_id}"

    def is_valid(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.is_valid() else "expired"


class PortalAction(models.Model):
    """One thing a subscriber did through the portal: shown to operators in the admin."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="actions")
    link = models.ForeignKey(
        PortalLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    action = models.CharField(max_length=50)
    target = models.CharField(max_length=200, blank=True, help_text="What it acted on.")
    detail = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subscriber", "-at"], name="portal_action_recent_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.target}".strip()
