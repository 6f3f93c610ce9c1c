"""What a testimonial save changed, and the signals that change sends.

The previous state is read from the database row, locked, inside the saving
transaction, never from a snapshot taken when the instance was loaded. So two moderators
approving the same testimonial send one ``testimonial_approved``, and an admin form
holding stale data that moves ``archived`` back to ``approved`` still sends it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.dispatch import Signal
from django.utils import timezone

from testimonials import signals
from testimonials.choices import TestimonialStatus

if TYPE_CHECKING:
    from testimonials.models import Testimonial

TRACKED_FIELDS = ("status", "response")

STATUS_SIGNALS: dict[str, Signal] = {
    TestimonialStatus.APPROVED: signals.testimonial_approved,
    TestimonialStatus.REJECTED: signals.testimonial_rejected,
    TestimonialStatus.FEATURED: signals.testimonial_featured,
    TestimonialStatus.ARCHIVED: signals.testimonial_archived,
}


@dataclass(frozen=True)
class Change:
    created: bool = False
    entered_status: str | None = None
    response_added: bool = False
    response_cleared: bool = False

    @property
    def status_changed(self) -> bool:
        return self.entered_status is not None


def detect_change(
    testimonial: Testimonial, using: str, update_fields: Iterable[str] | None
) -> Change:
    """Must run inside the transaction that then saves ``testimonial``."""
    tracked = [f for f in TRACKED_FIELDS if update_fields is None or f in update_fields]
    previous: dict[str, Any] | None = None
    if not testimonial._state.adding:
        if not tracked:
            return Change()
        previous = (
            type(testimonial)
            ._base_manager.using(using)
            .select_for_update()
            .filter(pk=testimonial.pk)
            .values(*tracked)
            .first()
        )
    # A row deleted since the instance was loaded is inserted again by save(): a creation.
    created = previous is None
    old = previous or {"status": None, "response": ""}

    entered_status = None
    if "status" in tracked and testimonial.status != old["status"]:
        entered_status = testimonial.status
    response_added = response_cleared = False
    if "response" in tracked and testimonial.response != old["response"]:
        response_added = bool(testimonial.response.strip())
        response_cleared = not response_added and bool(old["response"])
    return Change(created, entered_status, response_added, response_cleared)


def apply_side_effects(testimonial: Testimonial, change: Change, acting_user: Any) -> list[str]:
    """Stamp who did what and when; returns the fields it set, for ``update_fields``."""
    now = timezone.now()
    touched: list[str] = []
    publishing = change.entered_status == TestimonialStatus.APPROVED or (
        change.entered_status == TestimonialStatus.FEATURED and testimonial.approved_at is None
    )
    if publishing:
        testimonial.approved_at = now
        testimonial.approved_by = acting_user
        touched += ["approved_at", "approved_by"]
    if change.response_added:
        testimonial.response_at = now
        testimonial.response_by = acting_user
        touched += ["response_at", "response_by"]
    elif change.response_cleared:
        testimonial.response_at = None
        testimonial.response_by = None
        touched += ["response_at", "response_by"]
    return touched


def send_signals(testimonial: Testimonial, change: Change, acting_user: Any) -> None:
    sender = type(testimonial)
    if change.created:
        signals.testimonial_created.send(sender=sender, instance=testimonial, user=acting_user)
    if change.entered_status in STATUS_SIGNALS:
        extra: dict[str, Any] = {}
        if change.entered_status == TestimonialStatus.REJECTED:
            extra["reason"] = testimonial.rejection_reason
        STATUS_SIGNALS[change.entered_status].send(
            sender=sender, instance=testimonial, user=acting_user, **extra
        )
    if change.response_added:
        signals.testimonial_responded.send(
            sender=sender, instance=testimonial, response=testimonial.response, user=acting_user
        )
