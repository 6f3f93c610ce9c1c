"""Who may change what in a testimonial after it was submitted (SPEC §10).

Once moderated, a testimonial's words and author are what a moderator let through: changing
them is moderation again. Anonymity protects its author, so taking it away is too. The
admin's editors are moderators (change permission); the API asks for
``testimonials:moderate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from testimonials.choices import TestimonialStatus
from testimonials.exceptions import NeedsModeration
from testimonials.models import Testimonial


def changed_fields(testimonial: Testimonial, values: Mapping[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(testimonial, name) != value]


def check(testimonial: Testimonial, values: Mapping[str, Any], *, moderator: bool) -> None:
    """Raises NeedsModeration when ``values`` change what only a moderator may."""
    if moderator:
        return
    changed = changed_fields(testimonial, values)
    if testimonial.is_anonymous and "is_anonymous" in changed:
        raise NeedsModeration("Only a moderator may reveal the author of an anonymous testimonial.")
    if changed and testimonial.status != TestimonialStatus.PENDING:
        raise NeedsModeration(
            f"This testimonial is {testimonial.status}: only a moderator may change it "
            f"({', '.join(changed)})."
        )


def check_media(testimonial: Testimonial, *, moderator: bool) -> None:
    """Media added to a moderated testimonial is published at once: moderation too."""
    if not moderator and testimonial.status != TestimonialStatus.PENDING:
        raise NeedsModeration(
            f"This testimonial is {testimonial.status}: only a moderator may add media to it."
        )
