"""The webhooks admin: endpoints (with their secrets and health) and the delivery log."""

from webhooks.admin.endpoints import WebhookEndpointAdmin
from webhooks.admin.log import WebhookDeliveryAdmin, WebhookEventAdmin

__all__ = ["WebhookDeliveryAdmin", "WebhookEndpointAdmin", "WebhookEventAdmin"]
