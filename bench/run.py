"""``make bench``: the dispatcher benchmark on SQLite + ORM broker, then on PostgreSQL +
Redis when they are reachable (in a scratch database it creates and drops), printed as
one table and written to ``bench/results/bench-<time>.json``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.report import table
from bench.support import ROOT
from tests.support.services import unreachable

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new PostgreSQL database for one run, dropped afterwards."""
    name = f"webhooks_bench_{os.getpid()}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, _ = POSTGRES_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def run_one(label: str, env: dict[str, str], extra_args: list[str]) -> dict[str, Any]:
    print(f"== {label}", flush=True)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        output = Path(out.name)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "bench.dispatch", "--output", str(output), *extra_args],
        cwd=ROOT,
        env=env,
        check=True,
    )
    result: dict[str, Any] = json.loads(output.read_text())
    output.unlink()
    result["run_seconds"] = round(time.monotonic() - started, 1)
    return result


def main() -> None:
    extra_args = sys.argv[1:]
    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    runs = {"sqlite": run_one("SQLite + ORM broker", base_env, extra_args)}
    problems = unreachable(POSTGRES_URL, REDIS_URL)
    if problems:
        print("PostgreSQL + Redis run skipped: " + "; ".join(problems))
    else:
        with scratch_database() as database_url:
            env = {**base_env, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL}
            runs["postgresql"] = run_one("PostgreSQL + Redis broker", env, extra_args)
    print()
    print(table(runs))
    out = ROOT / "bench" / "results" / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"when": time.strftime("%Y-%m-%d %H:%M"), **runs}, indent=2) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
