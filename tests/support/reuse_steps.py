"""The steps of docs/reuse.md, in order, for the test that takes them as a reader would:
each is a shell block to run (``run``), the worker to start (``worker``), or a file to
write or append to (``write PATH``, ``append PATH``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.support.processes import ROOT

PAGE = ROOT / "docs" / "reuse.md"
_STEP = re.compile(r"<!-- reuse: (run|worker|write|append)(?: (\S+))? -->\n```\w+\n(.*?)```", re.S)


@dataclass(frozen=True)
class Step:
    kind: str
    path: str  # for write and append
    code: str


def steps() -> list[Step]:
    return [Step(kind, path, code) for kind, path, code in _STEP.findall(PAGE.read_text())]
