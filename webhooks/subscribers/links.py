"""Portal links: bearer credentials for one subscriber's portal.

The token is 256 random bits, shown once inside the link's URL; the database keeps its
SHA-256 (a slow hash buys nothing against a token that cannot be guessed). A session
opened with a link stays bound to it: revoking or expiring the link ends the session at
the next request, because every portal request checks the link again.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from webhooks.access import delegation
from webhooks.access.delegation import Delegator
from webhooks.conf import PORTAL_LINK_TTL_MAX, conf
from webhooks.durations import format_duration
from webhooks.models import PortalLink, Subscriber

logger = logging.getLogger(__name__)

ENTER_PATH = "/portal/enter/{token}/"


class InvalidLifetime(ValueError):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime(requested: timedelta | None) -> timedelta:
    """How long a new link works: ``requested``, or PORTAL_LINK_TTL; refused above 30 days."""
    if requested is None:
        return conf.portal_link_ttl
    if requested <= timedelta(0):
        raise InvalidLifetime("A portal link must work for some time.")
    if requested > PORTAL_LINK_TTL_MAX:
        raise InvalidLifetime(
            f"A portal link works for at most {format_duration(PORTAL_LINK_TTL_MAX)}."
        )
    return requested


def create(
    subscriber: Subscriber, by: Delegator, expires_in: timedelta | None = None
) -> tuple[PortalLink, str]:
    """A new link and its path (``/portal/enter/<token>/``), which is never stored: the
    caller shows it once. Raises DelegationRefused unless ``by`` holds everything the
    link grants."""
    by.ensure(delegation.MAKE_LINK)
    token = secrets.token_urlsafe(32)
    link = PortalLink.objects.create(
        subscriber=subscriber,
        token_hash=_hash(token),
        created_by=by.name[:200],
        expires_at=timezone.now() + lifetime(expires_in),
    )
    logger.info(
        "portal link %s made for subscriber %s by %s, expires %s",
        link.pk,
        subscriber.pk,
        by.name,
        link.expires_at.isoformat(),
    )
    return link, ENTER_PATH.format(token=token)


def revoke(links: QuerySet[PortalLink], now: datetime | None = None) -> int:
    """Ends ``links`` and every session opened with them. How many were still unrevoked."""
    now = now or timezone.now()
    revoked = links.filter(revoked_at__isnull=True).update(revoked_at=now)
    if revoked:
        logger.info("%s portal link(s) revoked", revoked)
    return revoked


def find(token: str) -> PortalLink | None:
    """The valid link this token opens, if any (expired, revoked or unknown: None)."""
    link = PortalLink.objects.select_related("subscriber").filter(token_hash=_hash(token)).first()
    if link is None or not link.is_valid():
        return None
    return link


def current(link_id: object) -> PortalLink | None:
    """The link a portal session was opened with, while it is still valid."""
    if not isinstance(link_id, int):
        return None
    link = PortalLink.objects.select_related("subscriber").filter(pk=link_id).first()
    if link is None or not link.is_valid():
        return None
    return link


def absolute(path: str) -> str:
    """The link as a team opens it: under SITE_URL when set, else the bare path."""
    return f"{conf.site_url}{path}" if conf.site_url else path


def subscriber_named(text: str) -> Subscriber | None:
    """A subscriber by its name, or by its id."""
    found = Subscriber.objects.filter(name=text).first()
    if found is None and text.isdigit():
        found = Subscriber.objects.filter(pk=int(text)).first()
    return found
