"""Are PostgreSQL and Redis reachable? ``python -m tests.support.services PG_URL REDIS_URL``.

Exits 0 when both answer, 1 (with the reason on stderr) when one does not. The Makefile
uses it to decide whether the PostgreSQL + Redis pass runs or is skipped.
"""

from __future__ import annotations

import sys

import psycopg
import redis


def unreachable(postgres_url: str, redis_url: str) -> list[str]:
    problems = []
    try:
        with psycopg.connect(postgres_url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        problems.append(f"PostgreSQL at {postgres_url}: {exc}".strip())
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        problems.append(f"Redis at {redis_url}: {exc}")
    return problems


if __name__ == "__main__":
    found = unreachable(sys.argv[1], sys.argv[2])
    for problem in found:
        print(f"not reachable: {problem}", file=sys.stderr)
    sys.exit(1 if found else 0)
