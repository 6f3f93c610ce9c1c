"""Request bodies of the API's actions, checked by a serializer."""

from __future__ import annotations

from typing import Any

from rest_framework.serializers import BaseSerializer


def validated(serializer_class: type[BaseSerializer[Any]], data: Any) -> dict[str, Any]:
    """``data`` as ``serializer_class`` cleans it; a 400 naming each bad field if not."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
