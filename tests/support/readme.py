"""The documentation's example blocks (README.md and docs/*.md), for the tests that run
them as a reader would."""

from __future__ import annotations

import re

from tests.support.processes import ROOT

README_BASE = "http://127.0.0.1:8000"


def readme_block(name: str) -> str:
    """The shell block after ``<!-- api-example: NAME -->`` in the README or a docs page."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    text = "\n".join(page.read_text() for page in pages)
    found = re.findall(rf"<!-- api-example: {name} -->\n```sh\n(.*?)```", text, re.DOTALL)
    assert len(found) == 1, f"{len(found)} api-examples named {name!r} in README.md and docs/"
    return str(found[0])
