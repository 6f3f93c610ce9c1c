"""Who is a moderator (SPEC §10): a staff user who may change testimonials (the admin's
moderation actions need that permission), or an API key with ``testimonials:moderate``.

Moderators alone see the author of an anonymous testimonial (everyone else, webhooks
included, reads "Anonymous" with no email or company) and change a testimonial after it
was moderated (``editing``)."""

from __future__ import annotations

from typing import Any

from testimonials.api import scopes


def user_is_moderator(user: Any) -> bool:
    return bool(user.has_perm("testimonials.change_testimonial"))


def key_is_moderator(key: Any) -> bool:
    return bool(key is not None and key.has_scope(scopes.TESTIMONIALS_MODERATE))
