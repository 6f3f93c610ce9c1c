"""The generated-client examples of docs/api.md: the generate commands and the code."""

from __future__ import annotations

import re
import shlex

from tests.support.processes import ROOT

PAGE = ROOT / "docs" / "api.md"


def example(name: str) -> str:
    """The code block under ``<!-- client-example: name -->``."""
    found = re.search(
        rf"<!-- client-example: {name} -->\n```\w+\n(.*?)```", PAGE.read_text(), re.DOTALL
    )
    assert found, f"docs/api.md has no client example {name!r}"
    return found.group(1)


def generate_command(tool: str) -> list[str]:
    """The docs' command line that runs ``tool`` (``npx`` dropped: the tool is installed)."""
    for line in example("generate").splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["npx"]:
            words = words[1:]
        if words[:1] == [tool]:
            return words
    raise AssertionError(f"docs/api.md does not say how to run {tool}")
