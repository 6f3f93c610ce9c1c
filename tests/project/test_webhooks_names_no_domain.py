"""``webhooks`` names no domain (SPEC §14): what it knows of testimonials, it learns from
their declarations (``testimonial_events``). The import contract in ``make lint`` keeps
its imports clean; this keeps its words clean, strings included (an admin URL name, a
payload key, an example), which no import contract sees."""

from __future__ import annotations

import re

from tests.support.processes import ROOT

DOMAIN_WORD = re.compile(r"testimonial", re.IGNORECASE)
# Migrations are history: those written before the rule keep the help texts they
# recorded, which a later migration replaced.
OLD_MIGRATION = re.compile(r"^00(0\d|1[0-8])_")


def webhooks_files() -> list[str]:
    found = []
    for path in sorted((ROOT / "webhooks").rglob("*")):
        if not path.is_file() or path.suffix in (".pyc", ".mo"):
            continue
        if path.parent.name == "migrations" and OLD_MIGRATION.match(path.name):
            continue
        found.append(str(path.relative_to(ROOT)))
    return found


def test_no_webhooks_file_names_the_testimonials() -> None:
    files = webhooks_files()
    assert len(files) > 150, "the package is still read"
    naming = {
        name: len(DOMAIN_WORD.findall((ROOT / name).read_text(errors="replace"))) for name in files
    }
    assert not {name: n for name, n in naming.items() if n}
