"""Made-up testimonial events for the admin's preview and the portal's catalogue, before
a real one has happened: built by the same ``data`` functions as real ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from testimonial_events import data
from testimonials.models import Testimonial, TestimonialCategory, TestimonialMedia

REASON = "It names a competitor's product rather than ours."
RESPONSE = "Thank you, Ada!"


def sample(status: str, **shown: bool) -> Callable[[datetime], dict[str, Any]]:
    """The data of a sample event after which the testimonial is in ``status``;
    ``reason``, ``response`` or ``media`` add what that event carries."""

    def build(moment: datetime) -> dict[str, Any]:
        testimonial = _testimonial(status, moment, responded=shown.get("response", False))
        if shown.get("media"):
            return data.about_media(_media(testimonial, moment), {})
        if shown.get("reason"):
            return data.about_testimonial("reason")(testimonial, {"reason": REASON})
        if shown.get("response"):
            return data.about_testimonial("response")(testimonial, {"response": RESPONSE})
        return data.about_testimonial()(testimonial, {})

    return build


def _testimonial(status: str, moment: datetime, responded: bool) -> Testimonial:
    return Testimonial(
        id=1,
        slug="ada-lovelace-sample",
        author_name="Ada Lovelace",
        author_email="ada@example.com",
        company="Analytical Engines Ltd",
        title="Support that answers",
        content="Our question was answered within the hour, and the fix worked first time. "
        "I would recommend them to anyone.",
        rating=5,
        category=TestimonialCategory(id=1, name="Support", slug="support"),
        source="website",
        status=status,
        response=RESPONSE if responded else "",
        response_at=moment if responded else None,
        approved_at=moment if status in ("approved", "featured") else None,
        created_at=moment,
        updated_at=moment,
    )


def _media(testimonial: Testimonial, moment: datetime) -> TestimonialMedia:
    return TestimonialMedia(
        id=1,
        testimonial=testimonial,
        file="testimonials/1/photo.jpg",
        media_type="image",
        title="Team photo",
        is_primary=True,
        created_at=moment,
    )
