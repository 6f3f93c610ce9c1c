"""The sending transport against real sockets on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
from pytest_django import Settings

from tests.support.receiver import Receiver
from tests.support.transport import send
from webhooks.sending.http_transport import new_client


def test_a_request_reaches_an_allowed_receiver(receiver: Receiver, settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True

    outcome = send(receiver.url("/in"))

    assert (outcome.status_code, outcome.error, outcome.response_body) == (200, "", "ok")
    (received,) = receiver.received
    assert received.headers["host"] == receiver.base_url.removeprefix("http://")
    assert received.body == b'{"type":"webhook.test"}'


def test_private_addresses_are_refused_before_anything_is_sent(
    receiver: Receiver, settings: Settings
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    outcome = send(receiver.url("/in"))

    assert outcome.status_code is None
    assert outcome.error.startswith("refused before sending: 127.0.0.1 is not a public address")
    assert outcome.unreachable
    assert receiver.received == []


def test_a_name_is_resolved_and_every_address_checked(
    receiver: Receiver, settings: Settings
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    port = receiver.url("").rsplit(":", 1)[1]

    outcome = send(f"http://localhost:{port}/in")

    assert "refused before sending: localhost resolves to an address that is not public" in (
        outcome.error
    )
    assert "127.0.0.1" not in outcome.error
    assert receiver.received == []


def test_an_allowed_network_opens_the_guard(receiver: Receiver, settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
    port = receiver.url("").rsplit(":", 1)[1]

    outcome = send(f"http://localhost:{port}/in")

    assert outcome.status_code == 200, outcome.error


def test_a_name_that_does_not_resolve_is_a_dns_error(settings: Settings) -> None:
    outcome = send("https://no-such-host.invalid/hook")

    assert outcome.error.startswith("DNS: cannot resolve no-such-host.invalid")
    assert outcome.unreachable


def test_a_closed_port_is_a_connection_failure(settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    outcome = send(f"http://127.0.0.1:{port}/")

    assert outcome.error.startswith("connection failed")
    assert outcome.unreachable


def test_a_receiver_trickling_its_answer_is_cut_off_by_the_total_deadline(
    settings: Settings,
) -> None:
    """Every byte arrives well within the read timeout; only a total deadline stops it."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_TIMEOUT = 1.5
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
                if stop.wait(0.1):
                    return
                conn.sendall(bytes([byte]))

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        outcome = send(f"http://127.0.0.1:{server.getsockname()[1]}/")
    finally:
        stop.set()
        server.close()

    assert 1.4 <= time.monotonic() - started <= 3
    assert "total limit of 1.5s" in outcome.error
    assert outcome.unreachable


def test_a_malformed_answer_is_a_protocol_error(settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    server = socket.create_server(("127.0.0.1", 0))

    def garbage() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"this is not HTTP\r\n\r\n")

    threading.Thread(target=garbage, daemon=True).start()
    try:
        outcome = send(f"http://127.0.0.1:{server.getsockname()[1]}/")
    finally:
        server.close()

    assert outcome.error.startswith("RemoteProtocolError")
    assert not outcome.unreachable


def test_clients_enforce_no_redirects_and_no_proxies_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    with new_client() as client:
        assert client.follow_redirects is False
        assert client.trust_env is False
        assert isinstance(client.timeout, httpx.Timeout)


def test_an_endpoints_own_timeout_replaces_the_setting(
    receiver: Receiver, settings: Settings
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_TIMEOUT = 10
    receiver.hangs["/slow"] = 3
    started = time.monotonic()

    outcome = send(receiver.url("/slow"), timeout=0.5)

    assert time.monotonic() - started < 2
    assert outcome.status_code is None
    assert outcome.failure == "timeout", outcome.error
    assert "0.5s" in outcome.error or "timed out" in outcome.error


def test_the_content_type_is_the_targets(receiver: Receiver, settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True

    send(receiver.url("/ce"), content_type="application/cloudevents+json")

    (received,) = receiver.received
    assert received.headers["content-type"] == "application/cloudevents+json"
