from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms

from webhooks.conf import conf
from webhooks.durations import format_duration
from webhooks.events import EVENT_TYPES
from webhooks.exceptions import InvalidDuration
from webhooks.models import WebhookEndpoint, parse_rotation_overlap


class EndpointForm(forms.ModelForm[WebhookEndpoint]):
    url = forms.URLField(label="URL", max_length=2048, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=[(t, t) for t in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked means every event type.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "url",
            "description",
            "event_types",
            "is_active",
            "headers",
            "max_in_flight",
            "rate_limit",
            "ordered",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Say what "empty" means with the setting's value now, not when the model loaded.
        self.fields["max_in_flight"].help_text = (
            "Requests sent to this endpoint at the same time, across every worker. Empty: "
            f"the default, {conf.endpoint_max_in_flight} (WEBHOOKS_ENDPOINT_MAX_IN_FLIGHT)."
        )


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
