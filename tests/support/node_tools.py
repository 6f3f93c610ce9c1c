"""The npm tools ``make node-tools`` installs into tools/openapi (Redocly CLI, the
TypeScript client generator): found, or the test skips saying how to get them, or fails
where CI requires them (REQUIRE_NODE_TOOLS)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.processes import ROOT

BIN = ROOT / "tools" / "openapi" / "node_modules" / ".bin"


def node_tool(name: str) -> Path:
    found = BIN / name
    if found.exists():
        return found
    message = f"no {name}: `make node-tools` installs it (needs npm)"
    if os.environ.get("REQUIRE_NODE_TOOLS"):
        pytest.fail(message)
    pytest.skip(message)
