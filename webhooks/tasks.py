"""django-q2 entry points."""

from __future__ import annotations

from webhooks.delivery_log import retention
from webhooks.sending import process


def wake() -> None:
    """Enqueued after a commit that recorded an event (Redis broker): the worker that
    runs it wakes its dispatcher at once instead of at its next poll."""
    process.wake()


def apply_retention() -> None:
    """Run hourly by the schedule ``retention.ensure_schedule`` keeps."""
    retention.apply()
