from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from webhooks import event_filters
from webhooks.conf import conf
from webhooks.durations import format_duration, parse_duration
from webhooks.event_types import catalogue, registry
from webhooks.exceptions import EndpointDisabled, InvalidDuration
from webhooks.formats import Format
from webhooks.formats import suggest as suggest_format
from webhooks.models.header_binding import OriginBoundHeaders
from webhooks.models.subscribers import Subscriber
from webhooks.trust import signing
from webhooks.trust.fields import EncryptedJSONField, EncryptedSecretField
from webhooks.trust.masking import mask_url
from webhooks.validation.headers import validate_custom_headers
from webhooks.validation.tuning import (
    MAX_SCHEDULE_CHARS,
    stored_schedule,
    timeout_fits,
    validate_retry_schedule,
    validate_timeout,
)
from webhooks.validation.validators import validate_event_types, validate_webhook_url

# An endpoint asking for more is asking for a denial of service of its own receiver.
MAX_IN_FLIGHT_LIMIT = 256
# Receivers switch to a rotated secret within days; a longer overlap is a mistake.
MAX_ROTATION_OVERLAP = timedelta(days=30)


def parse_rotation_overlap(text: str) -> timedelta:
    """An overlap as an operator writes it (``24h``, ``0``); raises InvalidDuration."""
    overlap = parse_duration(text)
    if overlap > MAX_ROTATION_OVERLAP:
        raise InvalidDuration(
            f"{text!r} is too long: the previous secret signs for at most "
            f"{format_duration(MAX_ROTATION_OVERLAP)}"
        )
    return overlap


class WebhookEndpoint(OriginBoundHeaders, models.Model):
    url = models.URLField("URL", max_length=2048, validators=[validate_webhook_url])
    description = models.CharField(max_length=255, blank=True)
    # Deleting a subscriber that still has endpoints is refused: their delivery logs
    # would go with them.
    subscriber = models.ForeignKey(
        Subscriber,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="endpoints",
        help_text="The team that receives at this endpoint and may manage it in the portal. "
        "Empty: the operator's own.",
    )
    secret = EncryptedSecretField(
        blank=True,
        validators=[signing.validate_secret],
        help_text="whsec_… Leave empty to generate one. Stored encrypted.",
    )
    previous_secret = EncryptedSecretField(blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    event_types = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_event_types],
        help_text="Event types to receive; empty means every event but the operational ones. "
        "Operational events (endpoint.disabled, endpoint.enabled, endpoint.failing, "
        "endpoint.recovered, delivery.exhausted) go "
        "only to endpoints that name them.",
    )
    is_active = models.BooleanField("active", default=True)
    headers = EncryptedJSONField(
        default=dict,
        blank=True,
        validators=[validate_custom_headers],
        help_text='Extra request headers, e.g. {"Authorization": "Bearer …"}. Their values '
        "are the receiver's credentials: stored encrypted, never shown again, and sent only "
        "to the origin they were saved for.",
    )
    # The origin (scheme, host, port) the header values were given for: they go nowhere
    # else (SPEC §10; ``OriginBoundHeaders``).
    headers_origin = models.CharField(max_length=300, blank=True, editable=False)
    format = models.CharField(
        max_length=20,
        choices=Format.choices,
        default="",  # picked from the URL on save
        blank=True,
        help_text="What each request body is: the event as Standard Webhooks JSON, a "
        "CloudEvents 1.0 event, or a message for Slack, Discord or Teams. Every format is "
        "signed the same way. Left empty, it is picked from the URL. A delivery keeps the "
        "format it was created with.",
    )
    filter = models.JSONField(
        default=dict,
        blank=True,
        help_text='Only events whose data match, e.g. {"order": {"total": {"$gte": 100}}}. '
        "Empty: every event of the chosen types.",
    )
    # Scheduling (docs/architecture.md): limits the receiver asked for, kept for the whole
    # cluster because one dispatcher at a time serves an endpoint.
    max_in_flight = models.PositiveSmallIntegerField(
        "max requests in flight",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_IN_FLIGHT_LIMIT)],
        help_text="Requests sent to this endpoint at the same time, across every worker. "
        "Empty: WEBHOOKS_ENDPOINT_MAX_IN_FLIGHT.",
    )
    rate_limit = models.DecimalField(
        "rate limit",
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text="Requests per second at most, across every worker (decimals allowed, "
        "e.g. 0.5 for one every 2 s). Empty: no limit.",
    )
    ordered = models.BooleanField(
        "ordered delivery",
        default=False,
        help_text="One request at a time, in event order; a failing delivery holds the "
        "ones behind it until it succeeds or its retries run out.",
    )
    timeout = models.FloatField(
        "timeout (seconds)",
        null=True,
        blank=True,
        validators=[validate_timeout],
        help_text="Seconds a whole try may take: connecting, sending, waiting, reading. "
        "Empty: WEBHOOKS_TIMEOUT.",
    )
    retry_schedule = models.CharField(
        max_length=MAX_SCHEDULE_CHARS,
        blank=True,
        validators=[validate_retry_schedule],
        help_text="Delays before each retry, e.g. 10s,1m,10m,1h (N delays, N+1 tries). "
        "Empty: WEBHOOKS_RETRY_SCHEDULE. A delivery keeps the schedule it started with.",
    )
    paused_until = models.DateTimeField(null=True, blank=True, editable=False)
    pause_reason = models.TextField(blank=True, editable=False)
    # The dispatcher serving the endpoint, and until when (renewed while it does).
    claimed_by = models.CharField(max_length=200, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Claims go to the endpoint served longest ago: round-robin across the cluster.
    last_served_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The rate limit's next free moment, handed from one dispatcher to the next.
    rate_limited_until = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    # When endpoint.failing went out about the current streak: once per streak, and
    # endpoint.recovered when a success ends it.
    failing_announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_failure_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "webhook endpoint"
        permissions = [
            ("reveal_secret", "Can reveal the signing secret of a webhook endpoint"),
            ("rotate_secret", "Can rotate the signing secret of a webhook endpoint"),
        ]

    def __str__(self) -> str:
        # Shown in lists, the delivery log, messages and history: never the whole URL.
        return self.description or self.masked_url

    def save(self, **kwargs: Any) -> None:
        self._pick_format()
        changed = []
        if not self.secret:
            self.secret = signing.generate_secret()
            changed.append("secret")
        if self.keep_headers_at_their_origin():
            changed += ["headers", "headers_origin"]
        if changed and kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *changed}
        super().save(**kwargs)

    @property
    def masked_url(self) -> str:
        return mask_url(self.url)

    def clean(self) -> None:
        super().clean()
        self._pick_format()
        chosen = self.event_types if isinstance(self.event_types, list) else []
        schemas = catalogue.data_schemas()
        types = [t for t in chosen or registry.all_events() if t in schemas]
        try:
            event_filters.check(self.filter, [schemas[t] for t in types])
        except event_filters.FilterError as exc:
            raise ValidationError({"filter": str(exc)}) from None
        if self.subscriber_id is not None and self.subscriber is not None:
            self.subscriber.check_endpoint(self)

    def wants(self, data: Any) -> bool:
        """Whether an event with this ``data`` passes the endpoint's filter, decided as
        the outbox decides it."""
        return event_filters.passes(self.filter, data, endpoint_id=self.pk)

    def _pick_format(self) -> None:
        if not self.format:
            self.format = suggest_format(self.url)

    def signing_secrets(self) -> list[str]:
        """The secrets each request is signed with: the current one, and the previous
        one until its overlap ends."""
        secrets = [self.secret]
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and expires > timezone.now():
            secrets.append(self.previous_secret)
        return secrets

    def effective_timeout(self) -> float:
        """The endpoint's timeout, else WEBHOOKS_TIMEOUT. One saved before WEBHOOKS_LEASE
        was shortened below it gives way to the setting rather than be sent twice."""
        own = self.timeout
        return own if own is not None and timeout_fits(own) else conf.timeout

    def effective_retry_schedule(self) -> tuple[timedelta, ...]:
        return stored_schedule(self.retry_schedule) or tuple(conf.retry_schedule)

    def ensure_active(self) -> None:
        """Raises EndpointDisabled, naming the endpoint and why, when it is switched off."""
        if not self.is_active:
            raise EndpointDisabled(self.pk, str(self), self.disabled_reason)

    def is_paused(self) -> bool:
        return self.paused_until is not None and self.paused_until > timezone.now()

    @property
    def state(self) -> str:
        """In a word, for lists and badges: disabled, paused or active."""
        if not self.is_active:
            return "disabled"
        return "paused" if self.is_paused() else "active"
