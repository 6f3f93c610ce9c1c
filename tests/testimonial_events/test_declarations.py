"""The testimonials' declarations: each signal's event carries what SPEC §3 says, its
sample reads as the real thing, and every reader of webhooks finds them."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from testimonial_events import messages
from testimonials import signals
from testimonials.api.scopes import TESTIMONIALS_READ
from webhooks.event_types import registry

# Each type: its signal, the status its sample's testimonial is in, and what its data
# carries besides the testimonial.
EXPECTED = {
    "testimonial.created": (signals.testimonial_created, "pending", set()),
    "testimonial.approved": (signals.testimonial_approved, "approved", set()),
    "testimonial.rejected": (signals.testimonial_rejected, "rejected", {"reason"}),
    "testimonial.featured": (signals.testimonial_featured, "featured", set()),
    "testimonial.archived": (signals.testimonial_archived, "archived", set()),
    "testimonial.responded": (signals.testimonial_responded, "pending", {"response"}),
    "testimonial.media_added": (signals.testimonial_media_added, "pending", {"media"}),
}


def test_the_seven_signals_are_declared_in_the_documented_order() -> None:
    assert [t.name for t in registry.domain_types()] == list(EXPECTED)


@pytest.mark.parametrize("name", EXPECTED)
def test_each_declaration_names_its_signal_sample_and_scope(name: str) -> None:
    signal, status, carried = EXPECTED[name]
    declared = registry.get(name)
    assert declared is not None
    assert declared.signal is signal
    assert declared.read_scope == TESTIMONIALS_READ
    assert declared.sample is not None
    data = declared.sample(timezone.now())
    assert set(data) == {"testimonial", *carried}
    assert data["testimonial"]["status"] == status
    assert all(data[key] for key in carried)
    assert messages.subject(data) == "testimonials/1"
    assert messages.admin_path(data) == "/admin/testimonials/testimonial/1/change/"


def test_the_subject_and_link_need_a_testimonial_number() -> None:
    shapes: list[dict[str, Any]] = [
        {},
        {"testimonial": {}},
        {"testimonial": {"id": True}},
        {"testimonial": 3},
    ]
    for data in shapes:
        assert messages.admin_path(data) is None
    assert messages.subject({"testimonial": {"id": None}}) is None


def test_a_rating_reads_as_stars() -> None:
    assert messages.stars(4) == "★★★★☆ 4/5"
    assert messages.stars(9) == "★★★★★ 9/5"
    assert messages.stars(True) == messages.stars("4") == ""
