"""Request bodies the API reads, bounded so that bad input is a 4xx, never a 500 or a
full disk: JSON nested deeper than the parser can follow is a 400, and a multipart body
larger than its view takes is a 413 before a byte of it is read (Django would otherwise
spool every file in it to temporary storage first)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser, MultiPartParser

# Room for the multipart framing and the small fields beside the file.
MULTIPART_OVERHEAD = 64 * 1024


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None


class BoundedMultiPartParser(MultiPartParser):
    """A view that takes files says how large with ``upload_max_bytes()``; any other
    (or that one answering None) takes what Django keeps in memory
    (``DATA_UPLOAD_MAX_MEMORY_SIZE``)."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        context = parser_context or {}
        view, request = context.get("view"), context.get("request")
        limit_of = getattr(view, "upload_max_bytes", None)
        limit = limit_of() if limit_of else None
        if limit is None:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = _content_length(request.META if request is not None else {})
        if limit is not None and length > limit + MULTIPART_OVERHEAD:
            raise TooLarge(f"The request body is {length} bytes; at most {limit} are taken here.")
        return super().parse(stream, media_type, parser_context)


def _content_length(meta: Any) -> int:
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # as Django's own multipart parser reads it: nothing announced
