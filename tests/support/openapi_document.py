"""The committed OpenAPI document, operation by operation."""

from __future__ import annotations

from typing import Any

import yaml

from tests.support.processes import ROOT

COMMITTED = ROOT / "docs" / "openapi.yaml"


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) for every operation under ``paths``."""
    document = yaml.safe_load(COMMITTED.read_text())
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
