"""Reading a signing secret after it was shown once: the admin's "Reveal", the API's
``GET …/{id}/secret/`` (scope ``webhooks:secrets``) and the portal's "Reveal". Every read
is recorded (``SecretRead``: who, which endpoint, when, through what), shown on the
endpoint's admin page; a person's read also goes into the endpoint's history, and every
read into the log (without the secret)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.admin.models import CHANGE, LogEntry

from webhooks.models import PortalLink, SecretRead, WebhookEndpoint

logger = logging.getLogger(__name__)


def reveal(
    endpoint: WebhookEndpoint,
    *,
    by: str,
    through: SecretRead.Through,
    user: Any | None = None,
    link: PortalLink | None = None,
) -> list[str]:
    """The secrets the endpoint signs with now (the current one first), recorded as read
    by ``by`` (e.g. "admin user ann", 'API key "crm"', "portal link #3 of CRM team"),
    who is ``user`` or holds ``link``."""
    SecretRead.objects.create(
        endpoint=endpoint, read_by=by[:200], through=through, user=user, portal_link=link
    )
    if user is not None:
        # A key names itself; an admin user is the entry's user already.
        how = by if through == SecretRead.Through.API else through.label
        LogEntry.objects.log_actions(
            user.pk,
            [endpoint],
            CHANGE,
            change_message=f"Revealed the signing secret (through {how}).",
            single_object=True,
        )
    logger.info(
        "signing secret of webhook endpoint %s revealed to %s through %s",
        endpoint.pk,
        by,
        through.label,
        extra={"endpoint_id": endpoint.pk},
    )
    return endpoint.signing_secrets()
