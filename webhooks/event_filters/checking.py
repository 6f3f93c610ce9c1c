"""Checking a filter when an endpoint is saved: messages name the field path and the
operator, and, given the JSON Schemas of the events the endpoint receives, unknown fields
and operands of the wrong type are refused rather than silently matching nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from webhooks.event_filters.grammar import (
    COMPARISONS,
    MAX_DEPTH,
    MAX_LIST,
    FilterError,
    is_scalar,
    json_type,
    size_refusal,
)


def check(spec: Any, schemas: Sequence[dict[str, Any]] = ()) -> None:
    """Raises FilterError, naming the field path and the operator, unless ``spec`` is a
    valid filter. With ``schemas`` (JSON Schemas of the data it will see) it also refuses
    fields none of them has and operands of the wrong type."""
    if spec in (None, {}):
        return
    if not isinstance(spec, dict):
        raise FilterError("", 'a filter is a JSON object, e.g. {"order": {"total": 100}}')
    if refusal := size_refusal(spec):
        raise FilterError("", refusal)
    _check_object(spec, "", [s for s in schemas if s], 0)


def _check_object(
    spec: dict[str, Any], path: str, schemas: list[dict[str, Any]], depth: int
) -> None:
    if depth > MAX_DEPTH:
        raise FilterError(path, f"nested more than {MAX_DEPTH} levels deep")
    for key, value in spec.items():
        if key in ("$and", "$or"):
            if not isinstance(value, list) or not value:
                raise FilterError(path, f"{key} needs a non-empty list of filters")
            for item in value:
                if not isinstance(item, dict) or not item:
                    raise FilterError(path, f"{key} needs a list of filters (JSON objects)")
                _check_object(item, path, schemas, depth + 1)
        elif key == "$not":
            if not isinstance(value, dict) or not value:
                raise FilterError(path, "$not needs a filter (a JSON object)")
            _check_object(value, path, schemas, depth + 1)
        elif key.startswith("$"):
            raise FilterError(
                path,
                f"{key} is not an operator here: give a field name, $and, $or or $not"
                + (
                    f' (comparisons go inside a field: {{"field": {{"{key}": …}}}})'
                    if key in COMPARISONS
                    else ""
                ),
            )
        else:
            field_path = f"{path}.{key}" if path else key
            _check_field(value, field_path, _field_schemas(schemas, key, field_path), depth + 1)


def _field_schemas(schemas: list[dict[str, Any]], key: str, path: str) -> list[dict[str, Any]]:
    if not schemas:
        return []
    found = [s["properties"][key] for s in schemas if key in s.get("properties", {})]
    if not found:
        known = sorted({name for s in schemas for name in s.get("properties", {})})
        raise FilterError(
            path,
            "no such field in the events this endpoint receives"
            + (f"; fields here: {', '.join(known)}" if known else ""),
        )
    return found


def _check_field(value: Any, path: str, schemas: list[dict[str, Any]], depth: int) -> None:
    if isinstance(value, dict):
        operators = [key for key in value if key.startswith("$")]
        if not value:
            raise FilterError(path, "empty condition: give a value, operators or fields")
        if operators and len(operators) != len(value):
            raise FilterError(path, "mixes operators and field names; nest one inside the other")
        if not operators:
            if schemas and not any("object" in _types(s) for s in schemas):
                raise FilterError(path, "is not an object: compare it with a value or an operator")
            _check_object(value, path, [s for s in schemas if "properties" in s], depth)
            return
        for operator, operand in value.items():
            _check_operator(operator, operand, path, schemas, depth)
    elif isinstance(value, list):
        raise FilterError(path, 'a list is not a value here: use {"$in": [...]} for one of several')
    else:
        _check_operator("$eq", value, path, schemas, depth)


def _check_operator(
    operator: str, operand: Any, path: str, schemas: list[dict[str, Any]], depth: int
) -> None:
    where = f"{path} {operator}"
    if operator == "$not":
        if depth > MAX_DEPTH:
            raise FilterError(where, f"nested more than {MAX_DEPTH} levels deep")
        _check_field(operand, path, schemas, depth + 1)
        return
    if operator not in COMPARISONS:
        raise FilterError(
            path, f"unknown operator {operator}; use one of {', '.join((*COMPARISONS, '$not'))}"
        )
    types = set().union(*(_types(s) for s in schemas)) if schemas else set()
    if operator in ("$eq", "$neq"):
        if not is_scalar(operand):
            raise FilterError(
                where, f"needs a string, number, boolean or null, not {json_type(operand)}"
            )
        _check_value(operand, path, where, schemas, types)
    elif operator in ("$gt", "$gte", "$lt", "$lte"):
        kind = json_type(operand)
        if kind not in ("integer", "number", "string"):
            raise FilterError(where, f"needs a number or a string, not {kind}")
        wanted = {"string"} if kind == "string" else {"integer", "number"}
        if types and not types & wanted:
            raise FilterError(
                where, f"{path} is {_describe(types)}; it cannot be compared with {kind}"
            )
    elif operator in ("$in", "$nin"):
        if not isinstance(operand, list) or not operand or len(operand) > MAX_LIST:
            raise FilterError(where, f"needs a list of 1 to {MAX_LIST} values")
        for item in operand:
            if not is_scalar(item):
                raise FilterError(
                    where, f"lists strings, numbers, booleans or null, not {json_type(item)}"
                )
            _check_value(item, path, where, schemas, types)
    elif operator == "$exists":
        if not isinstance(operand, bool):
            raise FilterError(where, f"needs true or false, not {json_type(operand)}")
    elif not isinstance(operand, str):  # $startsWith
        raise FilterError(where, f"needs a string, not {json_type(operand)}")
    elif types and "string" not in types:
        raise FilterError(where, f"{path} is {_describe(types)}, not a string")


def _check_value(
    value: Any, path: str, where: str, schemas: list[dict[str, Any]], types: set[str]
) -> None:
    if not types:
        return
    kind = json_type(value)
    if kind not in types and not (kind == "integer" and "number" in types):
        shown = "null" if value is None else f"{kind} {value!r}"
        raise FilterError(where, f"{path} is {_describe(types)}, never {shown}")
    choices = [c for s in schemas for c in s.get("enum", [])]
    if choices and value not in choices and value is not None:
        raise FilterError(where, f"{value!r} is not one of {', '.join(map(str, choices))}")


def _types(schema: dict[str, Any]) -> set[str]:
    if "enum" in schema:
        return {json_type(choice) for choice in schema["enum"]}
    declared = schema.get("type", [])
    return {declared} if isinstance(declared, str) else set(declared)


def _describe(types: set[str]) -> str:
    return " or ".join(sorted(types))
