"""The testimonials app's settings, read when used so ``override_settings`` works."""

from __future__ import annotations

from django.conf import settings


class TestimonialsSettings:
    @property
    def content_min_length(self) -> int:
        return int(getattr(settings, "TESTIMONIALS_CONTENT_MIN_LENGTH", 10))

    @property
    def content_max_length(self) -> int:
        return int(getattr(settings, "TESTIMONIALS_CONTENT_MAX_LENGTH", 5000))

    @property
    def media_max_bytes(self) -> int:
        return int(getattr(settings, "TESTIMONIALS_MEDIA_MAX_BYTES", 20 * 1024 * 1024))

    @property
    def public_submission(self) -> bool:
        """Whether ``POST /api/v1/testimonials/`` also takes submissions without a key."""
        return bool(getattr(settings, "TESTIMONIALS_PUBLIC_SUBMISSION", False))

    @property
    def public_rate(self) -> str:
        """How often one client may submit without a key, e.g. ``10/hour``."""
        return str(getattr(settings, "TESTIMONIALS_PUBLIC_RATE", "10/hour"))


conf = TestimonialsSettings()
