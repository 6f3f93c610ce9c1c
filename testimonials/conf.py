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


conf = TestimonialsSettings()
