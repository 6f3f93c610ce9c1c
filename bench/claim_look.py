"""What a dispatcher's look for endpoints to claim costs over a month of day partitions:
``statements.waiting_endpoints``, which every dispatcher runs several times a second.

``python -m bench.claim_look --size 100000`` seeds a month of log (``log_seed``; on
PostgreSQL 33 partitions whatever the size), unpauses its 50 endpoints so its backlog of
1,000 pending deliveries is claimable, makes one delivery of the oldest day pending again
(a replay), and prints the median time of the look over 500 calls and PostgreSQL's own
planning and execution times for it. It checks that the look finds the endpoint of the
replayed delivery: any bound on the days the look reads must keep that true.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

CALLS = 500


def measure(size: int) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from bench import log_seed
    from webhooks.models import WebhookDelivery, WebhookEndpoint
    from webhooks.sending import statements

    log_seed.seed(size)
    WebhookEndpoint.objects.update(paused_until=None, pause_reason="")
    oldest = WebhookDelivery.objects.order_by("id").first()
    if oldest is None:
        raise SystemExit("the seed wrote no deliveries")
    WebhookDelivery.objects.filter(pk=oldest.pk).update(
        status="pending", next_attempt_at=timezone.now()
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    now = timezone.now()
    # Only the replayed delivery due: the look must find its endpoint through the bound.
    backlog = WebhookDelivery.objects.filter(status="pending").exclude(pk=oldest.pk)
    backlog_ids = list(backlog.values_list("id", flat=True))
    WebhookDelivery.objects.filter(id__in=backlog_ids).update(status="cancelled")
    found = statements.waiting_endpoints(now, 16)
    WebhookDelivery.objects.filter(id__in=backlog_ids).update(status="pending")
    if oldest.endpoint_id not in found:
        raise SystemExit("the look missed the endpoint of the replayed delivery")
    times = []
    for _ in range(CALLS):
        started = time.perf_counter()
        statements.waiting_endpoints(now, 16)
        times.append((time.perf_counter() - started) * 1000)
    result: dict[str, Any] = {
        "size": size,
        "partitions": _partitions(),
        "look_median_ms": round(statistics.median(times), 3),
        "look_p90_ms": round(statistics.quantiles(times, n=10)[-1], 3),
    }
    if connection.vendor == "postgresql":
        result.update(_explained(now))
    return result


def _partitions() -> int:
    from django.db import connection

    if connection.vendor != "postgresql":
        return 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_inherits "
            "WHERE inhparent = 'webhooks_webhookdelivery'::regclass"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _explained(now: Any) -> dict[str, Any]:
    from django.db import connection

    from webhooks.sending import statements

    sql, params = statements.waiting_statement(now, 16)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        (plan,) = cursor.fetchone()[0]
    return {
        "planning_ms": plan["Planning Time"],
        "execution_ms": plan["Execution Time"],
        "shared_buffers": plan["Plan"].get("Shared Hit Blocks", 0)
        + plan["Plan"].get("Shared Read Blocks", 0),
    }


def main() -> None:
    from bench.harness import configure
    from bench.run import scratch_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="webhooks-look-"))

    def run() -> dict[str, Any]:
        configure(workdir)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return measure(args.size)

    if args.sqlite:
        os.environ.pop("DATABASE_URL", None)
        print(json.dumps(run(), indent=2))
    else:
        with scratch_database() as url:
            os.environ["DATABASE_URL"] = url
            print(json.dumps(run(), indent=2))


if __name__ == "__main__":
    main()
