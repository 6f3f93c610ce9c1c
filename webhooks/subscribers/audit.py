"""The record of what subscribers did in the portal, which operators read on the
subscriber's admin page."""

from __future__ import annotations

import logging

from webhooks.models import PortalAction, PortalLink

logger = logging.getLogger(__name__)


def record(link: PortalLink, action: str, target: str = "", detail: str = "") -> None:
    """One portal action by the holder of ``link``. ``detail`` must hold no credential."""
    PortalAction.objects.create(
        subscriber_id=link.subscriber_id,
        link=link,
        action=action,
        target=target[:200],
        detail=detail,
    )
    logger.info(
        "portal: subscriber %s (link %s) %s %s",
        link.subscriber_id,
        link.pk,
        action,
        target,
    )
