"""A web process and workers writing the same SQLite file at once never see
"database is locked": every lifecycle save reads then writes in one transaction, the
pattern that fails under SQLite's default (deferred) transactions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.support.processes import ROOT, child_env, manage

WRITERS = 4
ROUNDS = 25

WRITER_SCRIPT = """
import django, sys
django.setup()
from testimonials.models import Testimonial
ids = list(Testimonial.objects.values_list("pk", flat=True))
for round in range({rounds}):
    for pk in ids:
        t = Testimonial.objects.get(pk=pk)
        (t.approve, t.archive, t.feature)[(round + pk + {writer}) % 3]()
        t.add_response(f"reply {{round}} from writer {writer}")
print("done")
"""


@pytest.mark.slow
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite-specific: PostgreSQL has row locks and no file lock to contend for",
)
def test_concurrent_writers_never_see_database_is_locked(tmp_path: Path) -> None:
    env = child_env(DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="settings")
    assert manage("migrate", "--noinput", env=env).returncode == 0
    seeded = manage(
        "shell",
        "-c",
        "from tests.support.factories import make_testimonial\n"
        "for _ in range(5): make_testimonial()",
        env=env,
    )
    assert seeded.returncode == 0, seeded.stderr

    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER_SCRIPT.format(rounds=ROUNDS, writer=n)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    results = [writer.communicate(timeout=180) for writer in writers]

    for (out, err), writer in zip(results, writers, strict=True):
        assert "database is locked" not in err
        assert writer.returncode == 0, err
        assert out.strip() == "done"
