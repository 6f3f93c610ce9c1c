"""The event catalogue as the subscriber may receive it: each type's meaning, the JSON
Schema of its body and an example, and how to verify a signature."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from webhooks.event_types import catalogue
from webhooks.event_types.builtin import TEST_EVENT
from webhooks.models import PortalLink, WebhookEndpoint
from webhooks.portal import access
from webhooks.portal.forms import receivable
from webhooks.publishing import payloads
from webhooks.publishing.preview import sample_data


@access.portal_page
def events(request: HttpRequest, link: PortalLink) -> HttpResponse:
    now = timezone.now()
    # Examples about a made-up endpoint: never one of anybody's.
    example_endpoint = WebhookEndpoint(pk=0, description="Your endpoint")
    types = []
    for name in [*receivable(link.subscriber), TEST_EVENT]:
        example = payloads.envelope(name, sample_data(name, example_endpoint), now)
        types.append(
            {
                "name": name,
                "description": catalogue.description(name),
                "schema": json.dumps(catalogue.payload_schema(name), indent=2),
                "example": json.dumps(example, indent=2, ensure_ascii=False),
            }
        )
    return render(request, "portal/events.html", access.context(link, types=types))
