"""Every list is a cursor page: ``{"next", "previous", "results"}``. A cursor page never
counts the table, so each page costs the same few queries however large the log grows,
and a row written while a client pages through does not shift what it sees."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

INVALID_CURSOR = "This cursor does not come from a page of this list; start from the first page."


class CursorPage(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
    # The model whose list is being paged: a cursor's position must be one of its values.
    paged_model: type[Model] | None = None

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> tuple[str, ...]:
        # Each view names its order (a unique or nearly unique column first).
        ordering = getattr(view, "cursor_ordering", self.ordering)
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self.paged_model = queryset.model if isinstance(queryset, QuerySet) else None
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        """DRF's, answering a tampered cursor with a 400 rather than a 404 (it names no
        resource) or a 500 (a position the database cannot compare: ``p=abc`` against an
        id, ``p=1e999``)."""
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None
        if cursor is None or cursor.position is None:
            return cursor
        self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: object) -> None:
        """A 400 unless the position is a value of the ordering's first field. It stays
        text: DRF compares it with the text of the rows' positions."""
        if self.paged_model is None:
            return
        try:
            field = self.paged_model._meta.get_field(self.ordering[0].lstrip("-"))
            field.clean(position, None)  # type: ignore[union-attr]
        except (DjangoValidationError, FieldDoesNotExist, OverflowError, ValueError):
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """As DRF's, in OpenAPI 3.1 terms (DRF writes 3.0's ``nullable``, which a 3.1
        document may not hold) and with both links always present, as they are."""
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": _link("The next page, or null on the last one.", "cD00ODY%3D"),
                "previous": _link("The previous page, or null on the first.", "cj0xJnA9NDg3"),
                "results": schema,
            },
        }


def _link(description: str, cursor: str) -> dict[str, Any]:
    return {
        "type": ["string", "null"],
        "format": "uri",
        "description": description,
        "example": f"https://testimonials.example.com/api/v1/deliveries/?cursor={cursor}",
    }
