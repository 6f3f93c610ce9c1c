"""Signed webhooks for a Django project's signals (SPEC §14, docs/reuse.md).

``webhooks.register(EventType(...))`` declares an event type: the signal it comes from,
the data it carries and how it reads in chat; ``webhooks.muted()`` silences events for
bulk work (docs/operations.md, "Muting while importing")."""

import django_stubs_ext

# Our classes subscript Django's generic ones for the type checker (ModelAdmin[Model],
# models.TextField[str, str]); this makes that valid at run time in any project, before
# any of them is imported.
django_stubs_ext.monkeypatch()

from webhooks.event_types.declaring import EventType  # noqa: E402
from webhooks.event_types.registry import register  # noqa: E402
from webhooks.publishing.muting import muted  # noqa: E402

__all__ = ["EventType", "muted", "register"]
