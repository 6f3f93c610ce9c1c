"""Every list is a cursor page: ``{"next", "previous", "results"}``. A cursor page never
counts the table, so each page costs the same few queries however large the log grows,
and a row written while a client pages through does not shift what it sees."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class CursorPage(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> tuple[str, ...]:
        # Each view names its order (a unique or nearly unique column first).
        ordering = getattr(view, "cursor_ordering", self.ordering)
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

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
