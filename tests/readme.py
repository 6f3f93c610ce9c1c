"""The README's example blocks, for the tests that run them as a reader would."""

from __future__ import annotations

import re

from tests.processes import ROOT

README_BASE = "http://127.0.0.1:8000"


def readme_block(name: str) -> str:
    """The shell block after ``<!-- api-example: NAME -->`` in the README."""
    readme = (ROOT / "README.md").read_text()
    found = re.search(rf"<!-- api-example: {name} -->\n```sh\n(.*?)```", readme, re.DOTALL)
    assert found, f"README has no api-example {name!r}"
    return found.group(1)
