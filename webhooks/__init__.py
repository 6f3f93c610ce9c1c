"""Signed webhooks for the testimonials domain. ``webhooks.muted()`` silences them for
bulk work (docs/operations.md, "Muting while importing")."""

from webhooks.publishing.muting import muted

__all__ = ["muted"]
