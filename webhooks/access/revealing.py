"""Reading a signing secret after it was shown once: the admin's "Reveal", the API's
``GET …/{id}/secret/`` (scope ``webhooks:secrets``) and the portal's "Reveal". Every read
is recorded in the endpoint's history against the person who read it (a portal visitor is
nobody's account: the portal records the read as its subscriber's action), and in the log
(without the secret)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.admin.models import CHANGE, LogEntry

from webhooks.models import WebhookEndpoint

logger = logging.getLogger(__name__)


def reveal(endpoint: WebhookEndpoint, user: Any | None, through: str) -> list[str]:
    """The secrets the endpoint signs with now (the current one first), recorded as read
    by ``user`` through ``through`` (e.g. "the admin", 'API key "crm"', "the portal")."""
    if user is not None:
        LogEntry.objects.log_actions(
            user.pk,
            [endpoint],
            CHANGE,
            change_message=f"Revealed the signing secret (through {through}).",
            single_object=True,
        )
    logger.info(
        "signing secret of webhook endpoint %s revealed to %s through %s",
        endpoint.pk,
        user,
        through,
        extra={"endpoint_id": endpoint.pk},
    )
    return endpoint.signing_secrets()
