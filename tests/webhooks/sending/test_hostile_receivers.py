"""Receivers that misbehave, each a real server on 127.0.0.1. Every case ends as a
classified attempt, never an exception, a hang or unbounded memory; and a dispatcher
facing all of them at once keeps delivering to a healthy endpoint."""

from __future__ import annotations

import email.utils
import threading
import time
import tracemalloc
from contextlib import ExitStack
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django import Settings

from tests.support.dispatching import running_dispatcher, send_everything_due
from tests.support.factories import make_endpoint, make_testimonial
from tests.support.hostile import (
    Behaviour,
    HostileServer,
    answer,
    endless_body,
    not_http,
    plain_http_to_anything,
    reset_after_request,
)
from tests.support.receiver import Receiver
from tests.support.transport import send
from webhooks.conf import conf
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.sending import settling, transport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback_allowed(settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_RETRY_SCHEDULE = "5s,1m"
    settings.WEBHOOKS_RETRY_JITTER = 0


def serve(behaviour: Behaviour) -> HostileServer:
    return HostileServer(behaviour)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_failure_and_is_not_followed(status: int) -> None:
    server = serve(answer(status, "Location: /elsewhere"))
    with server.running():
        outcome = send(server.url("/hook"))

    assert outcome.status_code == status
    assert outcome.error == f"HTTP {status}: redirect to /elsewhere not followed"
    assert len(server.requests) == 1  # nothing went to /elsewhere
    assert settling.settle(outcome).status == "pending"  # retried, as any failure


def test_410_gone_fails_the_delivery_at_once() -> None:
    server = serve(answer(410))
    with server.running():
        outcome = send(server.url())

    assert outcome.gone
    assert "410 Gone" in outcome.error
    assert settling.settle(outcome).status == "failed"


def test_429_with_retry_after_in_seconds_is_honoured() -> None:
    server = serve(answer(429, "Retry-After: 120"))
    with server.running():
        outcome = send(server.url())

    assert outcome.retry_after == timedelta(seconds=120)
    settled = settling.settle(outcome)
    assert settled.status == "pending"
    assert settled.next_attempt_at == outcome.finished_at + timedelta(seconds=120)


def test_429_with_retry_after_as_an_http_date_is_honoured() -> None:
    later = email.utils.format_datetime(timezone.now() + timedelta(seconds=300), usegmt=True)
    server = serve(answer(429, f"Retry-After: {later}"))
    with server.running():
        outcome = send(server.url())

    assert outcome.retry_after is not None
    assert timedelta(seconds=297) <= outcome.retry_after <= timedelta(seconds=301)


def test_an_outrageous_retry_after_is_clamped(settings: Settings) -> None:
    settings.WEBHOOKS_RETRY_AFTER_MAX = "1h"
    server = serve(answer(429, "Retry-After: 8640000"))  # 100 days
    with server.running():
        outcome = send(server.url())

    settled = settling.settle(outcome)
    assert settled.next_attempt_at == outcome.finished_at + timedelta(hours=1)


def test_a_1_gib_body_is_read_only_up_to_the_bound_in_flat_memory(settings: Settings) -> None:
    settings.WEBHOOKS_MAX_RESPONSE_BYTES = 64 * 1024
    server = serve(endless_body(1 << 30))
    tracemalloc.start()
    started = time.monotonic()
    try:
        with server.running():
            outcome = send(server.url())
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert outcome.succeeded
    assert len(outcome.response_body) <= conf.response_excerpt_bytes
    assert time.monotonic() - started < 5
    assert peak < 4 * 1024 * 1024, f"{peak / 1e6:.1f} MB allocated reading the body"
    # The sender hung up: the receiver got no further than socket buffers allow.
    assert server.bytes_sent < 64 * 1024 * 1024


def test_a_connection_reset_is_classified() -> None:
    server = serve(reset_after_request)
    with server.running():
        outcome = send(server.url())

    assert outcome.status_code is None
    assert outcome.error.startswith("connection reset by the receiver"), outcome.error


def test_tls_to_a_plain_http_port_is_a_tls_failure() -> None:
    server = serve(plain_http_to_anything)
    with server.running():
        outcome = send(server.url(scheme="https"))

    assert outcome.status_code is None
    assert outcome.error.startswith("TLS handshake failed"), outcome.error
    assert outcome.unreachable


def test_a_dns_lookup_that_never_answers_is_cut_off_by_the_deadline(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.WEBHOOKS_TIMEOUT = 0.5
    release = threading.Event()

    def hanging_lookup(host: str, port: int) -> list[object]:
        release.wait(10)
        return []

    monkeypatch.setattr(transport, "_lookup", hanging_lookup)
    started = time.monotonic()
    try:
        outcome = send("https://slow-dns.example.com/hook")
    finally:
        release.set()

    assert time.monotonic() - started < 1.5
    assert outcome.error == "DNS: cannot resolve slow-dns.example.com: no answer within 0.5s"
    assert outcome.unreachable


def test_a_dispatcher_facing_every_hostile_receiver_keeps_serving_a_healthy_one(
    settings: Settings,
) -> None:
    settings.WEBHOOKS_TIMEOUT = 2
    behaviours: dict[str, Behaviour] = {
        "redirect": answer(307, "Location: http://127.0.0.1:9/"),
        "gone": answer(410),
        "throttled": answer(429, "Retry-After: 3600"),
        "huge": endless_body(1 << 30),
        "reset": reset_after_request,
        "garbage": not_http,
        "plain": plain_http_to_anything,
    }
    servers = {name: serve(b) for name, b in behaviours.items()}
    with Receiver().running() as healthy, ExitStack() as running:
        for server in servers.values():
            running.enter_context(server.running())
        endpoints = {
            name: make_endpoint(
                url=server.url(scheme="https" if name == "plain" else "http"),
                description=name,
            )
            for name, server in servers.items()
        }
        good = make_endpoint(url=healthy.url("/ok"), description="healthy")
        testimonial = make_testimonial()
        testimonial.approve()
        with running_dispatcher() as sender:
            deadline = time.monotonic() + 20
            while not _each_tried(list(endpoints.values())) or (
                WebhookDelivery.objects.filter(endpoint=good, status="succeeded").count() < 2
            ):
                assert time.monotonic() < deadline, _attempt_summary()
                sender.step()
                sender.activity.wait(0.05)

    assert list(WebhookDelivery.objects.filter(endpoint=good).values_list("status", flat=True)) == [
        "succeeded",
        "succeeded",
    ]
    errors = {
        endpoint.description: DeliveryAttempt.objects.filter(delivery__endpoint=endpoint)
        .order_by("id")
        .first()
        for endpoint in endpoints.values()
    }
    assert errors["redirect"] is not None
    assert "not followed" in errors["redirect"].error
    assert errors["throttled"] is not None
    assert errors["throttled"].status_code == 429
    assert errors["huge"] is not None
    assert errors["huge"].status_code == 200
    assert errors["reset"] is not None
    assert errors["reset"].error.startswith("connection reset")
    assert errors["garbage"] is not None
    assert errors["garbage"].error.startswith("RemoteProtocolError")
    assert errors["plain"] is not None
    assert errors["plain"].error.startswith("TLS handshake failed")
    gone = WebhookEndpoint.objects.get(pk=endpoints["gone"].pk)
    assert not gone.is_active
    assert "410" in gone.disabled_reason


def _each_tried(endpoints: list[WebhookEndpoint]) -> bool:
    tried = set(DeliveryAttempt.objects.values_list("delivery__endpoint_id", flat=True))
    return all(endpoint.pk in tried for endpoint in endpoints)


def _attempt_summary() -> str:
    rows = DeliveryAttempt.objects.values_list("delivery__endpoint__description", "error")
    return "the dispatcher did not try everything in time: " + repr(list(rows))


def test_nul_bytes_in_an_answer_are_stored_safely(settings: Settings) -> None:
    """PostgreSQL refuses NUL in text: one such answer must not fail the round's record."""
    server = serve(answer(500, body=b"bad\x00news"))
    with server.running():
        make_endpoint(url=server.url())
        make_testimonial()
        send_everything_due()

    (attempt,) = DeliveryAttempt.objects.all()
    assert attempt.status_code == 500
    assert attempt.response_body == "bad\ufffdnews"
