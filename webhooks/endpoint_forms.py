from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.forms.fields import InvalidJSONInput

from webhooks.conf import conf
from webhooks.durations import format_duration, format_durations
from webhooks.event_types import registry
from webhooks.exceptions import InvalidDuration
from webhooks.formats import Format
from webhooks.models import WebhookEndpoint, parse_rotation_overlap
from webhooks.validation import headers

FILTER_HELP = (
    "Only events whose data match are sent; empty sends every event of the ticked types. "
    'E.g. {"order": {"total": {"$gte": 100}}} for orders of 100 or more, '
    '{"order": {"country": {"$in": ["FR", "DE"]}}} for two countries. '
    "Operators: $eq $neq $gt $gte $lt $lte $in $nin $exists $startsWith $and $or $not."
)


class JSONText(forms.JSONField):
    """JSON typed into a form: nested deeper than Python's parser follows, it is an error
    on the field, not a 500."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except RecursionError:
            raise forms.ValidationError("This JSON is nested too deeply.", code="invalid") from None

    def bound_data(self, data: Any, initial: Any) -> Any:
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)  # shown back as typed, with the error


class EndpointForm(forms.ModelForm[WebhookEndpoint]):
    url = forms.URLField(label="URL", max_length=2048, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=registry.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked means every event type.",
    )
    format = forms.ChoiceField(
        choices=[("", "From the URL (Slack, Discord, Teams, else standard)"), *Format.choices],
        required=False,
        help_text="hooks.slack.com URLs get Slack messages, discord.com/api/webhooks URLs "
        "Discord messages, Teams workflow and connector URLs (webhook.office.com, "
        "logic.azure.com, powerplatform.com) Teams cards; pick one to override.",
    )
    # initial: a new endpoint's form showed "null" in both boxes (a ModelForm without an
    # instance takes its declared fields' initial, which was None).
    filter = JSONText(
        required=False,
        initial=dict,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80, "class": "vLargeTextField"}),
        help_text=FILTER_HELP,
    )
    headers = JSONText(
        required=False,
        initial=dict,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80, "class": "vLargeTextField"}),
        help_text='Extra request headers, e.g. {"Authorization": "Bearer …"}. Values are the '
        f"receiver's credentials: stored encrypted and never shown again. {headers.KEPT} "
        "keeps a stored value; type a new one to replace it; remove a name to drop it.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "url",
            "format",
            "description",
            "subscriber",
            "event_types",
            "filter",
            "is_active",
            "headers",
            "max_in_flight",
            "rate_limit",
            "ordered",
            "timeout",
            "retry_schedule",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dropped_headers: list[str] = []
        if self.instance._state.adding:
            self.initial.setdefault("format", "")
        else:
            # The names only: a stored value never goes back to a browser.
            self.initial["headers"] = headers.for_form(self.instance.headers)
        # Say what "empty" means with the setting's value now, not when the model loaded.
        # (A view-only page has no form fields at all.)
        if "max_in_flight" in self.fields:
            self.fields["max_in_flight"].help_text = (
                "Requests sent to this endpoint at the same time, across every worker. Empty: "
                f"the default, {conf.endpoint_max_in_flight} (WEBHOOKS_ENDPOINT_MAX_IN_FLIGHT)."
            )
        if "timeout" in self.fields:
            self.fields["timeout"].help_text = (
                "Seconds a whole try may take: connecting, sending, waiting, reading. Empty: "
                f"the default, {conf.timeout:g} (WEBHOOKS_TIMEOUT). Below WEBHOOKS_LEASE "
                f"({conf.lease.total_seconds():g})."
            )
        if "retry_schedule" in self.fields:
            default = format_durations(conf.retry_schedule)
            self.fields["retry_schedule"].help_text = (
                "Delays before each retry, separated by commas (N delays, N+1 tries). Empty: "
                f"the default, {default} (WEBHOOKS_RETRY_SCHEDULE). A delivery keeps the "
                "schedule it started with; a replay starts this one."
            )

    def clean_headers(self) -> Any:
        submitted = self.cleaned_data.get("headers")
        if submitted is None:
            return {}
        if not isinstance(submitted, dict):
            return submitted  # the model's validator names the problem
        # Fields clean in order: the URL (first) is known here, unless it was refused.
        url = self.cleaned_data.get("url")
        same_origin = url is None or self.instance.keeps_headers_at(url)
        carried = headers.from_form(self.instance.headers, submitted, same_origin=same_origin)
        self.dropped_headers = carried.dropped
        return carried.headers

    def save(self, commit: bool = True) -> WebhookEndpoint:
        # The headers were worked out for the URL this form gives: bound to its origin.
        self.instance.bind_headers(self.instance.headers)
        return super().save(commit)

    def dropped_headers_message(self) -> str:
        """What the page says when a URL moved to another origin without its headers'
        values (SPEC §10); empty otherwise."""
        if not self.dropped_headers:
            return ""
        return (
            f"The URL moved to another origin, so the stored values of "
            f"{', '.join(self.dropped_headers)} were dropped: they were credentials for the "
            "old one. Type them again if the new receiver needs them."
        )

    def clean_filter(self) -> Any:
        # An emptied box means no filter, not JSON null.
        value = self.cleaned_data.get("filter")
        return {} if value is None else value


class RotateSecretForm(forms.Form):
    overlap = forms.CharField(
        # Read when the form is shown, so a changed setting applies at once.
        initial=lambda: format_duration(conf.secret_rotation_overlap),
        help_text=(
            "How long the previous secret keeps signing next to the new one (e.g. 24h, 30m, "
            "0 for not at all). Receivers accept either while they switch."
        ),
    )

    def clean_overlap(self) -> timedelta:
        try:
            return parse_rotation_overlap(self.cleaned_data["overlap"])
        except InvalidDuration as exc:
            raise forms.ValidationError(str(exc)) from None
