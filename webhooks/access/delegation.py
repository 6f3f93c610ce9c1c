"""Delegation never exceeds the delegator (SPEC §10).

A portal link is a grant: whoever holds it reveals and rotates the subscriber's signing
secrets, reads its deliveries with their bodies and changes its endpoints. So minting one,
and putting an endpoint into a subscriber (new there, or moved from the operator or from
another subscriber), which hands that endpoint to every holder of the subscriber's
links, needs every one of those rights: a key the scopes behind them, a staff user the
permissions. The admin, the API and the commands all ask ``Delegator.ensure``; the
portal links module takes a ``Delegator`` so no caller can mint a link without asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied

from webhooks.access import scopes

# What the portal does, as API scopes and as the Django permissions of the admin.
PORTAL_SCOPES = (scopes.WEBHOOKS_WRITE, scopes.WEBHOOKS_READ, scopes.WEBHOOKS_SECRETS)
PORTAL_PERMISSIONS = (
    "webhooks.change_subscriber",
    "webhooks.change_webhookendpoint",
    "webhooks.view_webhookdelivery",
    "webhooks.reveal_secret",
)
MAKE_LINK = "make a portal link"
PLACE_ENDPOINT = "put an endpoint into a subscriber"


class DelegationRefused(PermissionDenied):
    """Answered 403 by the admin and the API, naming what is missing."""


@dataclass(frozen=True)
class Delegator:
    """Someone handing access on: who (as records name them) and what they lack of what
    a portal link grants."""

    name: str
    lacking: tuple[str, ...] = ()

    @classmethod
    def user(cls, user: Any) -> Delegator:
        """A staff user in the admin."""
        missing = tuple(p for p in PORTAL_PERMISSIONS if not user.has_perm(p))
        return cls(f"admin user {user}", missing)

    @classmethod
    def key(cls, key: Any) -> Delegator:
        """An API key (its scopes already narrowed to what its user still holds); None:
        a request without one."""
        if key is None:
            return cls("a request without an API key", PORTAL_SCOPES)
        missing = tuple(s for s in PORTAL_SCOPES if not key.has_scope(s))
        return cls(f'API key "{key}"', missing)

    @classmethod
    def command_line(cls, command: str) -> Delegator:
        """Someone at the server's command line, who holds the database and the keys."""
        return cls(f"manage.py {command}")

    @property
    def may_delegate(self) -> bool:
        return not self.lacking

    def refusal(self, what: str) -> str:
        """Why they may not do ``what``; empty when they may."""
        if not self.lacking:
            return ""
        return (
            f"To {what} you need everything a portal link grants (revealing and rotating "
            f"secrets, reading deliveries, changing endpoints); {self.name} lacks "
            f"{', '.join(self.lacking)}."
        )

    def ensure(self, what: str) -> None:
        """Raises DelegationRefused unless they hold everything ``what`` hands on."""
        if refusal := self.refusal(what):
            raise DelegationRefused(refusal)


def places_endpoint(current_subscriber_id: int | None, new_subscriber: Any) -> bool:
    """Whether giving an endpoint (``current_subscriber_id``: the one it is with; None for
    the operator's, or a new endpoint) ``new_subscriber`` puts it into a subscriber it is
    not with. Taking one back for the operator hands nothing on."""
    new_id = getattr(new_subscriber, "pk", new_subscriber)
    return new_id is not None and new_id != current_subscriber_id
