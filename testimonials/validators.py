"""Validators that read their limits from settings when they run, not at import, so the
limits can change without a migration."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils.deconstruct import deconstructible

from testimonials.conf import conf


@deconstructible
class ContentLengthValidator:
    def __call__(self, value: str) -> None:
        length = len(value.strip())
        minimum, maximum = conf.content_min_length, conf.content_max_length
        if length < minimum:
            raise ValidationError(
                "Write at least %(minimum)d characters (this has %(length)d).",
                code="content_too_short",
                params={"minimum": minimum, "length": length},
            )
        if length > maximum:
            raise ValidationError(
                "Keep it to %(maximum)d characters (this has %(length)d).",
                code="content_too_long",
                params={"maximum": maximum, "length": length},
            )

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ContentLengthValidator)

    def __hash__(self) -> int:
        return hash(type(self))


@deconstructible
class MaxFileSizeValidator:
    def __call__(self, value: File[Any]) -> None:
        limit = conf.media_max_bytes
        if value.size is not None and value.size > limit:
            raise ValidationError(
                "The file is %(size)d bytes; the limit is %(limit)d bytes.",
                code="file_too_large",
                params={"size": value.size, "limit": limit},
            )

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, MaxFileSizeValidator)

    def __hash__(self) -> int:
        return hash(type(self))
