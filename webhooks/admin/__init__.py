"""The webhooks admin: endpoints (with their secrets and health), the delivery log, and
an overview with charts."""

from webhooks.admin.endpoints import WebhookEndpointAdmin
from webhooks.admin.events import WebhookEventAdmin
from webhooks.admin.log import WebhookDeliveryAdmin
from webhooks.admin.overview import OverviewAdmin
from webhooks.admin.secret_reads import SecretReadAdmin
from webhooks.admin.subscribers import PortalActionAdmin, SubscriberAdmin

__all__ = [
    "OverviewAdmin",
    "PortalActionAdmin",
    "SecretReadAdmin",
    "SubscriberAdmin",
    "WebhookDeliveryAdmin",
    "WebhookEndpointAdmin",
    "WebhookEventAdmin",
]
