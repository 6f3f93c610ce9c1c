"""The seven testimonial signals by name, and a log of what was sent (the ``signal_log``
fixture in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from testimonials import signals

ALL_SIGNALS = {
    "created": signals.testimonial_created,
    "approved": signals.testimonial_approved,
    "rejected": signals.testimonial_rejected,
    "featured": signals.testimonial_featured,
    "archived": signals.testimonial_archived,
    "responded": signals.testimonial_responded,
    "media_added": signals.testimonial_media_added,
}


@dataclass
class SignalLog:
    """Every testimonial signal sent while the fixture is active, in order."""

    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.sent]

    def only(self, name: str) -> dict[str, Any]:
        matching = [kwargs for sent_name, kwargs in self.sent if sent_name == name]
        assert len(matching) == 1, f"expected one {name!r}, got {self.names()}"
        return matching[0]

    def clear(self) -> None:
        self.sent.clear()
