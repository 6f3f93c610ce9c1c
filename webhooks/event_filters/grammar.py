"""What filters are made of: the operators, and JSON types as filters speak of them."""

from __future__ import annotations

import json
from typing import Any

COMPARISONS = ("$eq", "$neq", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$startsWith")
MAX_DEPTH = 10
MAX_LIST = 100
# SPEC §10: a receiving team writes filters from the portal, and every filter is read and
# evaluated for every event inside the writer's transaction. A 2.4 MB one (a $or of
# 7,000 $in lists) added half a second to every write of every tenant.
MAX_BYTES = 16 * 1024  # as compact JSON, UTF-8
MAX_NODES = 200  # every object, list and value in it, the filter itself included


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


def size_refusal(spec: Any) -> str | None:
    """Why ``spec`` is too big to be a filter: over MAX_NODES values or MAX_BYTES."""
    nodes, waiting = 0, [spec]
    while waiting:  # not recursive: a filter nested too deeply must not overflow the stack
        value = waiting.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return f"a filter holds at most {MAX_NODES} values, operators and fields included"
        if isinstance(value, dict):
            waiting.extend(value.values())
        elif isinstance(value, list):
            waiting.extend(value)
    size = len(json.dumps(spec, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_BYTES:
        return f"a filter is at most {MAX_BYTES // 1024} KiB of JSON; this one is {size:,} bytes"
    return None
