"""Signed webhooks for a Django project's signals (SPEC §14, docs/reuse.md).

``webhooks.register(EventType(...))`` declares an event type: the signal it comes from,
the data it carries and how it reads in chat; ``webhooks.muted()`` silences events for
bulk work (docs/operations.md, "Muting while importing")."""

from webhooks.event_types.declaring import EventType
from webhooks.event_types.registry import register
from webhooks.publishing.muting import muted

__all__ = ["EventType", "muted", "register"]
