"""What filters are made of: the operators, and JSON types as filters speak of them."""

from __future__ import annotations

from typing import Any

COMPARISONS = ("$eq", "$neq", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$startsWith")
MAX_DEPTH = 10
MAX_LIST = 100


class FilterError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def is_scalar(value: Any) -> bool:
    return json_type(value) not in ("array", "object")
