"""What a portal link reaches: its subscriber's endpoints and their deliveries, nothing
else. Another subscriber's object is a 404, never a 403 (SPEC §11): the portal does not
tell whether it exists."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from webhooks.models import PortalLink, WebhookDelivery, WebhookEndpoint


def endpoints(link: PortalLink) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(subscriber_id=link.subscriber_id).order_by("id")


def endpoint(link: PortalLink, endpoint_id: int) -> WebhookEndpoint:
    return get_object_or_404(endpoints(link), pk=endpoint_id)


def deliveries(link: PortalLink) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint__subscriber_id=link.subscriber_id)


def delivery(link: PortalLink, delivery_id: int) -> WebhookDelivery:
    return get_object_or_404(deliveries(link).select_related("event", "endpoint"), pk=delivery_id)
