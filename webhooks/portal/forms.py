"""The portal's forms: the admin's endpoint form narrowed to what a subscriber may set
(its validation is the model's, so the same rules apply), and the delivery filters."""

from __future__ import annotations

from typing import Any

from django import forms

from webhooks.endpoint_forms import EndpointForm
from webhooks.event_types import registry
from webhooks.event_types.registry import OPERATIONAL_EVENTS
from webhooks.models import DeliveryStatus, Subscriber


def receivable(subscriber: Subscriber) -> list[str]:
    """The event types a subscriber's endpoints may name."""
    declared = [t.name for t in registry.domain_types()]
    allowed = [t for t in declared if t in subscriber.allowed_event_types] or declared
    return [*allowed, *OPERATIONAL_EVENTS]


class PortalEndpointForm(EndpointForm):
    class Meta(EndpointForm.Meta):
        fields = [
            "url",
            "format",
            "description",
            "event_types",
            "filter",
            "headers",
            "timeout",
            "retry_schedule",
        ]

    def __init__(self, *args: Any, subscriber: Subscriber, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.subscriber = subscriber
        field: Any = self.fields["event_types"]
        field.choices = [(t, t) for t in receivable(subscriber)]
        if subscriber.allowed_event_types:
            field.help_text = "Tick at least one."
        for name in ("url", "description"):
            self.fields[name].widget.attrs["class"] = "wide"
        for name in ("filter", "headers"):
            self.fields[name].widget.attrs["class"] = "wide"


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *DeliveryStatus.choices], required=False
    )
    type = forms.ChoiceField(
        choices=lambda: [("", "Any type"), *registry.choices()],
        required=False,
        label="Event type",
    )
    since = forms.DateField(
        required=False,
        label="Created since",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="UTC",
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class ReplaySinceForm(forms.Form):
    since = forms.DateTimeField(
        label="Failed since",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Every failed delivery of this endpoint created since then (UTC) goes out again.",
    )
