"""Who may see what of the webhooks' data (SPEC §10), one function per rule and role:
the admin asks with a user, the API with its key. SECURITY.md has the same table.

Signing secrets and custom header values have no rule here because nobody reads them
in passing: secrets through ``revealing.reveal`` only, header values never.
"""

from __future__ import annotations

from typing import Any

from webhooks.access import scopes
from webhooks.event_types import registry


def user_sees_payloads(user: Any) -> bool:
    """Event payloads carry the domains' personal data (an author's email, say): shown to
    whoever may read the event log."""
    return bool(user.has_perm("webhooks.view_webhookevent"))


def key_sees_payloads(key: Any) -> bool:
    """webhooks:read, and the scope each domain declares for reading what its events
    carry (``EventType.read_scope``)."""
    if key is None or not key.has_scope(scopes.WEBHOOKS_READ):
        return False
    return all(key.has_scope(scope) for scope in registry.read_scopes())


def user_sees_url(user: Any) -> bool:
    """A whole endpoint URL (a chat webhook URL is a credential): for those who may edit
    the endpoint; everyone else sees ``masking.mask_url``."""
    return bool(user.has_perm("webhooks.change_webhookendpoint"))


def key_sees_url(key: Any) -> bool:
    return bool(key is not None and key.has_scope(scopes.WEBHOOKS_WRITE))
