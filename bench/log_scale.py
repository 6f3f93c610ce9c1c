"""The delivery log at scale: each admin, portal and API page over a month of log at
two sizes (``log_seed``), and pruning half of it. Pages go through Django's whole stack
in this process with the run's production settings, as an operator, a subscriber and an
API client read them; each is the median of three after one to warm up.

``python -m bench.log_scale --sizes 100000,10000000`` runs it on its own (PostgreSQL at
``BENCH_POSTGRES_URL``, in a scratch database; ``--sqlite`` for the embedded default);
``make bench`` runs it as the ``log`` figure at the sizes given by ``--log-sizes``.
"""

from __future__ import annotations

import io
import statistics
import threading
import time
from typing import Any

from bench import log_seed

SAMPLES = 3
PRUNE_AGE = "15d"  # half of the seeded month


def _clients() -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.test import Client

    from http_api.models import ApiKey
    from webhooks.access.delegation import Delegator
    from webhooks.models import Subscriber
    from webhooks.subscribers import links

    admin = Client(HTTP_HOST="localhost")
    user = User.objects.filter(username="bench-log").first() or User.objects.create_superuser(
        "bench-log", password=None
    )
    admin.force_login(user)
    _, key = ApiKey.create(f"bench-log-{time.monotonic_ns()}", ["webhooks:read"], user=user)
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {key}")
    portal = Client(HTTP_HOST="localhost")
    subscriber = Subscriber.objects.get(name="Seed team 0")
    _, enter = links.create(subscriber, Delegator.command_line("bench"))
    portal.post(portal.get(enter)["Location"])
    return {"admin": admin, "api": api, "portal": portal}


def pages(endpoint_id: int, event_id: str) -> dict[str, tuple[str, str]]:
    """name -> (client, path): the pages of the issue's table."""
    deliveries = "/admin/webhooks/webhookdelivery/"
    return {
        "admin_delivery_log": ("admin", deliveries),
        "admin_endpoint_list": ("admin", "/admin/webhooks/webhookendpoint/"),
        "admin_overview": ("admin", "/admin/webhooks/overview/"),
        "admin_endpoint_deliveries": ("admin", f"{deliveries}?endpoint__id__exact={endpoint_id}"),
        "admin_event_log": ("admin", "/admin/webhooks/webhookevent/"),
        "admin_failed_deliveries": ("admin", f"{deliveries}?status__exact=failed"),
        "portal_home": ("portal", "/portal/"),
        "portal_deliveries": ("portal", f"/portal/endpoints/{endpoint_id}/deliveries/"),
        "api_failed": ("api", "/api/v1/deliveries/?status=failed"),
        "api_endpoint": ("api", f"/api/v1/deliveries/?endpoint={endpoint_id}"),
        "api_event": ("api", f"/api/v1/deliveries/?event={event_id}"),
    }


PAGE_NAMES = tuple(pages(0, ""))


def _median_ms(client: Any, path: str) -> float:
    timings = []
    for n in range(SAMPLES + 1):
        started = time.perf_counter()
        answer = client.get(path)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.content[:300]!r}")
        if n:
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure(size: int, prune: str = "alone") -> dict[str, Any]:
    """Seeds ``size`` deliveries, times every page, then prunes half the log: ``alone``
    (at full speed), or ``beside writes`` (``pruning_beside_writes``, at its pace), or not
    at all (``no``)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    from webhooks.models import Subscriber, WebhookDelivery, WebhookEvent

    results: dict[str, Any] = {f"log_{size}_{k}": v for k, v in log_seed.seed(size).items()}
    subscriber = Subscriber.objects.get(name="Seed team 0")
    endpoint_id = subscriber.endpoints.order_by("id").values_list("id", flat=True)[0]
    event_id = str(WebhookEvent.objects.order_by("created_at").values_list("id", flat=True)[0])
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # No collectstatic and no TLS in a bench run.
    with override_settings(STORAGES=plain_static, SECURE_SSL_REDIRECT=False):
        clients = _clients()
        for name, (who, path) in pages(endpoint_id, event_id).items():
            results[f"log_{size}_{name}_ms"] = _median_ms(clients[who], path)
    if prune == "alone":
        before = WebhookDelivery.objects.count()
        started = time.monotonic()
        # As the hourly task applies WEBHOOKS_RETENTION (by whole days on PostgreSQL),
        # without its rests: how fast the work itself goes.
        with override_settings(WEBHOOKS_RETENTION=PRUNE_AGE):
            call_command("prune_webhook_log", full_speed=True, stdout=io.StringIO())
        took = time.monotonic() - started
        deleted = before - WebhookDelivery.objects.count()
        results[f"log_{size}_prune_s"] = round(took, 2)
        results[f"log_{size}_prune_deliveries"] = deleted
        results[f"log_{size}_prune_per_s"] = deleted / max(took, 1e-9)
    elif prune == "beside writes":
        results |= pruning_beside_writes(size)
    return results


def pruning_beside_writes(size: int, seconds: float = 15.0) -> dict[str, Any]:
    """On the seeded log of ``size``: API writes per second (16 writers through
    gunicorn) alone, then with a prune of half the log running beside them, then alone
    again; that prune's deliveries per second."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings
    from django.utils import timezone

    from bench import writes
    from bench.support import ROOT
    from tests.support.web_process import gunicorn
    from webhooks.delivery_log import pruning
    from webhooks.durations import parse_duration

    def prunable() -> int:
        cutoff = timezone.now() - parse_duration(PRUNE_AGE)
        return pruning.count(pruning.Cutoffs(cutoff, cutoff)).deliveries

    # The run's broker and cache, as the writes figure has them.
    redis = {"REDIS_URL": os.environ["REDIS_URL"]} if os.environ.get("REDIS_URL") else {}
    env = {**writes.WEB_ENV, **redis}
    with gunicorn(Path(settings.DATA_DIR), env=env, workers=None) as base:
        writes._run(base, "warm-up", seconds=3.0)
        alone = writes._run(base, "alone", seconds)
        before = prunable()
        started = time.monotonic()
        # What it logged (each day dropped, each busy table) beside the run's files.
        prune_log = (Path(settings.DATA_DIR) / "prune.log").open("w")
        pruner = subprocess.Popen(
            [sys.executable, "manage.py", "prune_webhook_log"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=prune_log,
            env={**os.environ, "WEBHOOKS_RETENTION": PRUNE_AGE},
        )
        finished: list[float] = []
        waiter = threading.Thread(
            target=lambda: finished.append((pruner.wait(), time.monotonic())[1]), daemon=True
        )
        waiter.start()
        time.sleep(1.0)  # under way
        beside = writes._run(base, "pruning", seconds)
        within = not finished
        waiter.join(timeout=3600)
        prune_log.close()
        took = finished[0] - started
        # Alone again once it is over: on two shared cores the writers' rate drifts
        # 10-20 % between windows, so the rate beside the prune is set against both.
        after = writes._run(base, "after", seconds)
    deleted = before - prunable()
    alone_rate = (alone["writes_alone_per_s"] + after["writes_after_per_s"]) / 2
    return {
        f"log_{size}_writes_alone_before_per_s": alone["writes_alone_per_s"],
        f"log_{size}_writes_alone_after_per_s": after["writes_after_per_s"],
        f"log_{size}_writes_alone_per_s": alone_rate,
        f"log_{size}_writes_pruning_per_s": beside["writes_pruning_per_s"],
        f"log_{size}_writes_ratio": beside["writes_pruning_per_s"] / alone_rate,
        f"log_{size}_writes_within_prune": within,
        f"log_{size}_prune_s": round(took, 1),
        f"log_{size}_prune_deliveries": deleted,
        f"log_{size}_prune_per_s": deleted / took,
    }


def scaled(sizes: list[int], beside_writes: bool = True) -> dict[str, Any]:
    """Every page at each size, and how much each grew from the first size to the last;
    pruning at each, the last beside API writes."""
    results: dict[str, Any] = {"log_sizes": sizes}
    for size in sizes:
        last = size == sizes[-1]
        results |= measure(size, prune="beside writes" if last and beside_writes else "alone")
    small, large = sizes[0], sizes[-1]
    for name in PAGE_NAMES:
        results[f"log_{name}_growth"] = (
            results[f"log_{large}_{name}_ms"] / results[f"log_{small}_{name}_ms"]
        )
    return results


def main() -> None:
    import argparse
    import json
    import os
    import tempfile
    from pathlib import Path

    from bench.harness import configure
    from bench.run import scratch_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,10000000")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument(
        "--no-writes", action="store_true", help="prune the largest log alone, not beside writes"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="webhooks-log-"))

    def run() -> dict[str, Any]:
        configure(workdir)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return scaled(sizes, beside_writes=not args.no_writes)

    if args.sqlite:
        os.environ.pop("DATABASE_URL", None)
        results = run()
    else:
        with scratch_database() as url:
            os.environ["DATABASE_URL"] = url
            results = run()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
