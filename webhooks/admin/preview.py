"""The endpoint's preview page: pick an event type, see the exact body this endpoint
would get (and for a chat format the message as it reads), and whether its filter lets
that event through. Everything shown comes from ``webhooks.publishing.preview``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.template.response import TemplateResponse

from webhooks.access import visibility
from webhooks.event_types import registry
from webhooks.formats import Format
from webhooks.publishing.preview import preview

if TYPE_CHECKING:
    from django.http import HttpRequest

    from webhooks.admin.endpoint_pages import EndpointPages

TEMPLATE = "admin/webhooks/webhookendpoint/preview.html"


def preview_page(
    model_admin: EndpointPages, request: HttpRequest, object_id: str
) -> TemplateResponse:
    endpoint = model_admin._endpoint(request, object_id)
    chosen = request.GET.get("type", "")
    names = registry.names()
    if chosen not in names:
        chosen = endpoint.event_types[0] if endpoint.event_types else names[0]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": endpoint,
        "title": "Preview what this endpoint receives",
        "event_types": names,
        "chosen": chosen,
        "preview": preview(
            endpoint, chosen, real_events=visibility.user_sees_payloads(request.user)
        ),
        "is_chat": endpoint.format != Format.STANDARD,
        "filter_json": json.dumps(endpoint.filter, ensure_ascii=False) if endpoint.filter else "",
    }
    return TemplateResponse(request, TEMPLATE, context)
