"""SPEC §9 done when: Prometheus scrapes ``/metrics`` (gunicorn, two workers) and the
qcluster's own port while the real worker delivers to a local receiver, and the counts
equal the delivery log. The operational events travel the same way, and the worker's log
is JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db.models import Q
from prometheus_client.parser import text_string_to_metric_families
from standardwebhooks.webhooks import Webhook

from tests.support.factories import make_api_key, make_endpoint
from tests.support.processes import ROOT, child_env
from tests.support.readme import README_BASE, readme_block
from tests.support.receiver import Receiver
from tests.support.waiting import wait_until
from tests.support.web_process import free_port, gunicorn
from tests.support.worker import StartWorker, database_url
from webhooks import endpoint_actions
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEvent

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TOKEN = "scrape-token-for-the-test"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def scrape(url: str) -> dict[str, float]:
    response = httpx.get(url, headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}/nobody-listens"


def test_the_counters_equal_the_delivery_log(
    receiver: Receiver, start_worker: StartWorker, tmp_path: Path
) -> None:
    receiver.script("/flaky", 500, 500, 200)
    receiver.script("/gone", 410)
    make_endpoint(url=receiver.url("/all"), description="all")
    make_endpoint(url=receiver.url("/flaky"), description="flaky")
    make_endpoint(url=receiver.url("/gone"), description="gone")
    make_endpoint(url=closed_port_url(), description="down")
    ops = make_endpoint(
        url=receiver.url("/ops"),
        description="on-call",
        event_types=["endpoint.disabled", "delivery.exhausted"],
    )
    _, key = make_api_key("testimonials:write")
    port = free_port()
    # One environment for both, as a deployment has: with the workers' port set, the web
    # process leaves their counters to it, even on the same host.
    shared = {
        "METRICS_DIR": str(tmp_path / "metrics"),
        "METRICS_TOKEN": TOKEN,
        "WEBHOOKS_WORKER_METRICS_PORT": str(port),
    }
    worker = start_worker(
        **shared, WEBHOOKS_RETRY_SCHEDULE="1s,1s", WEBHOOKS_RETRY_JITTER="0", LOG_FORMAT="json"
    )
    with gunicorn(tmp_path, shared) as web:
        for n in range(3):
            created = httpx.post(
                f"{web}/api/v1/testimonials/",
                json={
                    "author_name": f"Customer {n}",
                    "content": "Delivered on time, every time.",
                    "rating": 5,
                },
                headers={"Authorization": f"Bearer {key}"},
            )
            assert created.status_code == 201, created.text

        # Three testimonials to four endpoints; "down" uses up its schedule (three
        # tries each), "gone" is disabled at its first 410 (the rest of its deliveries
        # wait): the on-call endpoint hears of both.
        wait_until(
            lambda: (
                not WebhookDelivery.objects.filter(
                    status="pending", endpoint__is_active=True
                ).exists()
            ),
            60,
            "every delivery settled but those of the disabled endpoint",
        )
        receiver.wait_for(lambda got: len([r for r in got if r.path == "/ops"]) == 4, 30)
        for request in receiver.at("/ops"):
            Webhook(ops.secret).verify(request.body, request.headers)

        assert httpx.get(f"{web}/metrics").status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 401
        from_web = scrape(f"{web}/metrics")
        from_workers = scrape(f"http://127.0.0.1:{port}/metrics")

    # Events: those of the API calls were counted by gunicorn's workers, the operational
    # ones by the qcluster's.
    events = Counter(WebhookEvent.objects.values_list("type", flat=True))
    assert events == {"testimonial.created": 3, "endpoint.disabled": 1, "delivery.exhausted": 3}
    for event_type, count in events.items():
        key_ = f"webhooks_events_total{{type={event_type}}}"
        assert from_web.get(key_, 0) + from_workers.get(key_, 0) == count, event_type

    attempts = DeliveryAttempt.objects
    expected = {
        "success": attempts.filter(status_code__gte=200, status_code__lt=300).count(),
        "http_error": attempts.filter(status_code__gte=300).exclude(status_code=410).count(),
        "gone": attempts.filter(status_code=410).count(),
        "connection_error": attempts.filter(status_code__isnull=True).count(),
        "timeout": 0,
        "refused": 0,
    }
    assert expected["http_error"] == 2
    assert expected["gone"] >= 1  # one try, or a few sent at once
    assert expected["connection_error"] == 9
    for outcome, count in expected.items():
        assert from_workers[f"webhooks_attempts_total{{outcome={outcome}}}"] == count, outcome
    assert from_workers["webhooks_attempt_duration_seconds_count"] == attempts.count()
    assert (
        from_workers["webhooks_deliveries_exhausted_total"]
        == WebhookDelivery.objects.filter(Q(status="failed") & ~Q(last_status_code=410)).count()
    )
    # The web process serves the backlog; the workers' port serves no gauges.
    waiting = WebhookDelivery.objects.filter(status="pending").count()
    assert from_web["webhooks_deliveries_pending"] == waiting
    assert from_web["webhooks_deliveries_due"] == 0
    assert from_web["webhooks_endpoints{state=disabled}"] == 1
    assert from_web["webhooks_deliveries_failed"] == 3 + expected["gone"]
    assert "webhooks_deliveries_pending" not in from_workers
    assert from_web["webhooks_attempts_total{outcome=success}"] == 0  # the port has them

    lines = [line for line in worker.log().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    assert any(r["message"] == "webhook dispatcher started" for r in records)
    exhausted = [r for r in records if "failed for good" in r["message"]]
    assert len(exhausted) == 3
    assert {"delivery_id", "endpoint_id", "event_id", "level", "time"} <= exhausted[0].keys()


def test_make_run_serves_the_workers_counts_on_metrics(
    receiver: Receiver, start_worker: StartWorker, tmp_path: Path
) -> None:
    """docs/operations.md: with ``make run`` (runserver and qcluster on one machine, no
    metrics port), ``/metrics`` shows what the workers did; the documented curl line says
    so."""
    endpoint = make_endpoint(url=receiver.url("/dev"))
    start_worker(METRICS_DIR=str(tmp_path / "metrics"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=child_env(
            DATABASE_URL=database_url(),
            DATA_DIR=str(tmp_path),
            METRICS_DIR=str(tmp_path / "metrics"),
            WEBHOOKS_ENCRYPTION_KEYS=",".join(settings.WEBHOOKS_ENCRYPTION_KEYS),
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint_actions.send_test_event(endpoint)
        receiver.wait_for(lambda got: len(got) == 1, 30)
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(f"{base}/healthz"), 30, "runserver")
        script = readme_block("metrics").replace(README_BASE, base)

        def shows_the_attempt() -> bool:
            shown = subprocess.run(
                ["bash", "-c", script], capture_output=True, text=True, check=False
            ).stdout
            return 'webhooks_attempts_total{outcome="success"} 1.0' in shown

        # The attempt is counted once its round is recorded, a moment after the receipt.
        wait_until(shows_the_attempt, 10, "the documented curl line to show the attempt")
    finally:
        server.terminate()
        server.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False
