"""/metrics and what it counts: the access rule, the counters (equal to the delivery
log), the backlog gauges (a fixed number of queries) and the multiprocess files."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter
from prometheus_client.parser import text_string_to_metric_families
from pytest_django import DjangoAssertNumQueries, Settings

from tests.support.factories import (
    exhaust,
    make_delivery,
    make_endpoint,
    make_outcome,
    make_testimonial,
)
from webhooks.metrics import directories, exposition, instruments, worker_port
from webhooks.metrics.worker_port import application
from webhooks.models import WebhookWorker
from webhooks.sending import recording, settling
from webhooks.sending.attempt import classify
from webhooks.sending.transport import AddressRefused, NameNotResolved

pytestmark = pytest.mark.django_db


def scrape(client: Client, **headers: str) -> dict[str, float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.content
    return samples(response.content.decode())


def samples(text: str) -> dict[str, float]:
    """``name{label="value",…}`` -> value, for every sample in an exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# -- access ----------------------------------------------------------------------------


def test_open_in_development(client: Client, settings: Settings) -> None:
    settings.DEBUG, settings.METRICS_TOKEN = True, ""
    assert "webhooks_deliveries_pending" in scrape(client)


def test_absent_in_production_without_a_token(client: Client, settings: Settings) -> None:
    settings.DEBUG, settings.METRICS_TOKEN = False, ""
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("debug", [True, False])
def test_a_token_is_asked_for_once_set(client: Client, settings: Settings, debug: bool) -> None:
    settings.DEBUG, settings.METRICS_TOKEN = debug, "s3cret-token"
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert 'webhooks_endpoints{state="active"}' in scrape(
        client, Authorization="Bearer s3cret-token"
    )


def test_answered_whatever_the_host_and_scheme(client: Client, settings: Settings) -> None:
    """Prometheus scrapes by address over plain HTTP inside the network."""
    settings.DEBUG, settings.METRICS_TOKEN = False, "t"
    settings.ALLOWED_HOSTS, settings.SECURE_SSL_REDIRECT = ["service.example.com"], True
    response = client.get(
        "/metrics", HTTP_HOST="10.1.2.3:8000", headers={"Authorization": "Bearer t"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")


def test_only_reading(client: Client, settings: Settings) -> None:
    settings.DEBUG, settings.METRICS_TOKEN = True, ""
    assert client.post("/metrics").status_code == 405


# -- counters --------------------------------------------------------------------------


def test_events_are_counted_when_committed(django_capture_on_commit_callbacks: Any) -> None:
    make_endpoint()
    before = counted("webhooks_events_total", type="testimonial.created")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_testimonial()
    assert counted("webhooks_events_total", type="testimonial.created") == before
    for callback in callbacks:
        callback()
    assert counted("webhooks_events_total", type="testimonial.created") == before + 1


@pytest.mark.parametrize(
    ("status", "failure", "outcome"),
    [
        (200, "", "success"),
        (500, "", "http_error"),
        (410, "", "gone"),
        (None, "timeout", "timeout"),
        (None, "refused", "refused"),
        (None, "", "connection_error"),
    ],
)
def test_attempts_are_counted_by_outcome_once_recorded(
    status: int | None, failure: str, outcome: str
) -> None:
    delivery = make_delivery(status="pending")
    result = make_outcome(delivery, status or 0)
    result.status_code, result.failure, result.duration_ms = status, failure, 1234
    before = counted("webhooks_attempts_total", outcome=outcome)
    slow_before = counted("webhooks_attempt_duration_seconds_bucket", le="1.0")
    all_before = counted("webhooks_attempt_duration_seconds_count")
    recording.record([settling.finish(result)], [], timezone.now())
    assert counted("webhooks_attempts_total", outcome=outcome) == before + 1
    assert counted("webhooks_attempt_duration_seconds_count") == all_before + 1
    assert counted("webhooks_attempt_duration_seconds_bucket", le="1.0") == slow_before


def test_every_outcome_series_exists_from_the_start() -> None:
    for outcome in instruments.OUTCOMES:
        assert (
            REGISTRY.get_sample_value("webhooks_attempts_total", {"outcome": outcome}) is not None
        )


def _caused_by(error: httpx.HTTPError, cause: BaseException) -> httpx.HTTPError:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (httpx.ConnectTimeout("slow"), "timeout"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (_caused_by(httpx.ConnectError("no"), AddressRefused("10.0.0.1")), "refused"),
        (_caused_by(httpx.ConnectError("no"), NameNotResolved("x.invalid")), "connection_error"),
        (httpx.ConnectError("refused"), "connection_error"),
        (httpx.RemoteProtocolError("garbage"), "connection_error"),
    ],
)
def test_the_classifier_names_the_outcome(error: httpx.HTTPError, outcome: str) -> None:
    assert classify(error).kind == outcome


def test_exhausted_deliveries_are_counted() -> None:
    delivery = make_delivery(status="pending")
    before = counted("webhooks_deliveries_exhausted_total")
    exhaust(delivery)
    assert counted("webhooks_deliveries_exhausted_total") == before + 1
    gone = make_delivery(status="pending")
    exhaust(gone, status=410)  # stopped by the receiver, not by the schedule
    assert counted("webhooks_deliveries_exhausted_total") == before + 1


# -- gauges ----------------------------------------------------------------------------


def test_backlog_gauges(client: Client, settings: Settings) -> None:
    settings.DEBUG = True
    now = timezone.now()
    busy = make_endpoint()
    paused = make_endpoint(paused_until=now + timedelta(minutes=5))
    off = make_endpoint(is_active=False)
    make_delivery(busy, status="pending", created_at=now - timedelta(seconds=90))
    later = make_delivery(busy, status="pending")
    later.next_attempt_at = now + timedelta(hours=1)
    later.save()
    make_delivery(paused, status="pending")
    make_delivery(off, status="pending")
    make_delivery(busy, status="failed")
    WebhookWorker.objects.create(name="host:1:a")
    found = scrape(client)
    assert found["webhooks_deliveries_pending"] == 4
    assert found["webhooks_deliveries_due"] == 1
    assert 89 < found["webhooks_oldest_due_seconds"] < 200
    assert found["webhooks_deliveries_failed"] == 1
    assert found['webhooks_endpoints{state="active"}'] == 1
    assert found['webhooks_endpoints{state="paused"}'] == 1
    assert found['webhooks_endpoints{state="disabled"}'] == 1
    assert found["webhooks_workers"] == 1


def test_nothing_due_is_zero_seconds(client: Client, settings: Settings) -> None:
    settings.DEBUG = True
    assert scrape(client)["webhooks_oldest_due_seconds"] == 0


def test_a_scrape_costs_four_queries_whatever_the_backlog(
    client: Client, settings: Settings, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    settings.DEBUG = True
    for _ in range(2):
        endpoint = make_endpoint()
        for status in ("pending", "failed", "succeeded"):
            make_delivery(endpoint, status=status)
        with django_assert_num_queries(4):
            client.get("/metrics")


# -- several processes -----------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """Counters written as a worker process writes them (prometheus-client's files)."""
    from prometheus_client import values

    directory = tmp_path / "qcluster-host-1"
    directory.mkdir()
    saved = values.ValueClass
    values.ValueClass = values.MultiProcessValue(lambda: 4242)  # type: ignore[no-untyped-call]
    try:
        os.environ[directories.VARIABLE] = str(directory)
        counter = Counter("webhooks_attempts", "d", ["outcome"], registry=CollectorRegistry())
        counter.labels(outcome="success").inc(5)
    finally:
        values.ValueClass = saved
        os.environ.pop(directories.VARIABLE, None)
    return tmp_path


def test_the_workers_files_on_this_host_add_to_the_web_counts(
    files: Path, client: Client, settings: Settings
) -> None:
    settings.DEBUG, settings.METRICS_DIR, settings.WEBHOOKS_WORKER_METRICS_PORT = True, files, None
    own = counted("webhooks_attempts_total", outcome="success")
    assert scrape(client)['webhooks_attempts_total{outcome="success"}'] == own + 5


def test_not_when_the_workers_serve_their_own_port(
    files: Path, client: Client, settings: Settings
) -> None:
    settings.DEBUG, settings.METRICS_DIR, settings.WEBHOOKS_WORKER_METRICS_PORT = True, files, 9100
    own = counted("webhooks_attempts_total", outcome="success")
    assert scrape(client)['webhooks_attempts_total{outcome="success"}'] == own


def test_the_worker_port_serves_its_cluster_files(files: Path, settings: Settings) -> None:
    settings.DEBUG, settings.METRICS_TOKEN = False, "tok"
    app = application(files / "qcluster-host-1")
    answers: list[str] = []

    def call(path: str, **environ: str) -> bytes:
        return b"".join(app({"PATH_INFO": path, **environ}, lambda s, h: answers.append(s)))

    assert b"Unauthorized" in call("/metrics")
    assert answers[-1].startswith("401")
    call("/elsewhere", HTTP_AUTHORIZATION="Bearer tok")
    assert answers[-1].startswith("404")
    body = call("/metrics", HTTP_AUTHORIZATION="Bearer tok").decode()
    assert answers[-1].startswith("200")
    assert samples(body)['webhooks_attempts_total{outcome="success"}'] == 5


def test_a_start_removes_the_directories_of_ended_processes(tmp_path: Path) -> None:
    host = __import__("socket").gethostname()
    ended = tmp_path / f"qcluster-{host}-999999999"
    running = tmp_path / f"qcluster-{host}-1"  # init: always there
    elsewhere = tmp_path / "qcluster-otherhost-5"
    for directory in (ended, running, elsewhere):
        directory.mkdir(parents=True)
    try:
        own = directories.prepare(tmp_path, directories.WORKER_GROUP)
        assert os.environ[directories.VARIABLE] == str(own)
    finally:
        os.environ.pop(directories.VARIABLE, None)
    assert own.is_dir()
    assert not any(own.iterdir())
    assert not ended.exists()
    assert running.exists()
    assert elsewhere.exists()
    assert directories.group_of(["manage.py", "qcluster"]) == directories.WORKER_GROUP
    assert directories.group_of(["manage.py", "runserver"]) is None


def test_summed_families_keep_one_family_per_name() -> None:
    registry = CollectorRegistry()
    twice = exposition.Summed([REGISTRY, REGISTRY])
    registry.register(twice)
    text = exposition.scrape(registry).decode()
    assert text.count("# TYPE webhooks_attempts_total counter") == 1
    one = counted("webhooks_attempts_total", outcome="success")
    assert samples(text)['webhooks_attempts_total{outcome="success"}'] == 2 * one


def test_the_access_rule_is_the_same_for_both(settings: Settings) -> None:
    settings.DEBUG, settings.METRICS_TOKEN = False, ""
    assert exposition.access(None) == 404
    settings.METRICS_TOKEN = "t"
    assert exposition.access("Bearer t") == 200
    assert exposition.access("bearer t") == 401


# -- the qcluster command ---------------------------------------------------------------


def test_qcluster_refuses_a_port_it_cannot_serve(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.management.base import CommandError

    from webhooks.management.commands.qcluster import Command

    command = Command()
    settings.WEBHOOKS_WORKER_METRICS_PORT = 0
    with pytest.raises(CommandError, match="do not count into files"):
        command._serve_metrics(0)
    monkeypatch.setenv(directories.VARIABLE, str(tmp_path))
    settings.DEBUG, settings.METRICS_TOKEN = False, ""
    with pytest.raises(CommandError, match="Set METRICS_TOKEN"):
        command._serve_metrics(0)
    settings.METRICS_TOKEN = "t"
    settings.WEBHOOKS_WORKER_METRICS_ADDRESS = "127.0.0.1"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        with pytest.raises(CommandError, match=f"cannot listen on 127.0.0.1:{busy}"):
            command._serve_metrics(busy)


def test_the_worker_port_over_http(files: Path, settings: Settings) -> None:
    settings.DEBUG, settings.METRICS_TOKEN = True, ""
    server = worker_port.start("127.0.0.1", 0, files / "qcluster-host-1")
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        assert samples(httpx.get(url).text)['webhooks_attempts_total{outcome="success"}'] == 5
    finally:
        server.shutdown()
        server.server_close()
