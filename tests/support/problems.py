"""Reading the API's problem documents (RFC 9457) as tests need them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

MEDIA_TYPE = "application/problem+json"


def refused(answer: Any) -> dict[str, list[str]]:
    """The messages of a refused request by the top-level field (or query parameter) they
    are about; messages about the whole request under ``""``."""
    assert answer["Content-Type"] == MEDIA_TYPE, answer["Content-Type"]
    body = answer.json()
    assert body["status"] == answer.status_code
    by_field: dict[str, list[str]] = defaultdict(list)
    for error in body.get("errors", []):
        if "field" in error:
            name = error["field"]
        else:
            name = error.get("pointer", "").split("/")[1] if error.get("pointer") else ""
        by_field[name].append(error["detail"])
    return dict(by_field)
