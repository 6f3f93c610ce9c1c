"""The webhooks app's models, one module per part: endpoints, the delivery log, the
subscribers and their portal, the record of secret reads, each endpoint's tries by the
hour, the running workers."""

from webhooks.models.activity import LATENCY_BOUNDS_MS, LATENCY_COLUMNS, EndpointHour
from webhooks.models.endpoints import (
    MAX_IN_FLIGHT_LIMIT,
    MAX_ROTATION_OVERLAP,
    WebhookEndpoint,
    parse_rotation_overlap,
)
from webhooks.models.log import (
    SUCCESSFUL_ATTEMPT,
    DeliveryAttempt,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    is_success,
)
from webhooks.models.secret_reads import SecretRead
from webhooks.models.subscribers import PortalAction, PortalLink, Subscriber
from webhooks.models.workers import Overview, WebhookWorker

__all__ = [
    "LATENCY_BOUNDS_MS",
    "LATENCY_COLUMNS",
    "MAX_IN_FLIGHT_LIMIT",
    "MAX_ROTATION_OVERLAP",
    "SUCCESSFUL_ATTEMPT",
    "DeliveryAttempt",
    "DeliveryStatus",
    "EndpointHour",
    "Overview",
    "PortalAction",
    "PortalLink",
    "SecretRead",
    "Subscriber",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookWorker",
    "is_success",
    "parse_rotation_overlap",
]
