"""One-connection clients lent per request: reused, never shared by two requests at once,
dropped when the endpoint moves to another host or stays idle."""

from __future__ import annotations

import httpx
import pytest

from webhooks.sending import clients as clients_module
from webhooks.sending import http_transport
from webhooks.sending.clients import ClientPool


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Client]:
    created: list[httpx.Client] = []

    def new_client() -> httpx.Client:
        created.append(httpx.Client())
        return created[-1]

    monkeypatch.setattr(http_transport, "new_client", new_client)
    return created


def test_a_client_given_back_is_lent_again_and_two_requests_never_share_one(
    made: list[httpx.Client],
) -> None:
    pool = ClientPool()
    first = pool.borrow(1, "https://a.example.com/in")
    second = pool.borrow(1, "https://a.example.com/in")
    assert first is not second

    pool.give_back(1, "https://a.example.com/in", first)

    assert pool.borrow(1, "https://a.example.com/in") is first
    assert len(made) == 2


def test_a_new_path_on_the_same_host_keeps_the_connections(made: list[httpx.Client]) -> None:
    pool = ClientPool()
    client = pool.borrow(1, "https://a.example.com/old")
    pool.give_back(1, "https://a.example.com/old", client)

    assert pool.borrow(1, "https://a.example.com/new") is client


def test_another_host_closes_the_old_connections(made: list[httpx.Client]) -> None:
    pool = ClientPool()
    old = pool.borrow(1, "https://a.example.com/")
    in_flight = pool.borrow(1, "https://a.example.com/")
    pool.give_back(1, "https://a.example.com/", old)

    fresh = pool.borrow(1, "https://b.example.com/")
    pool.give_back(1, "https://a.example.com/", in_flight)  # ends after the move

    assert fresh not in (old, in_flight)
    assert old.is_closed
    assert in_flight.is_closed


def test_idle_endpoints_lose_their_clients(
    made: list[httpx.Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = ClientPool()
    idle = pool.borrow(1, "https://a.example.com/")
    pool.give_back(1, "https://a.example.com/", idle)
    busy = pool.borrow(2, "https://b.example.com/")
    pool.give_back(2, "https://b.example.com/", busy)
    pool._endpoints[1].used_at -= clients_module.UNUSED_CLIENTS_SECONDS + 1

    pool.close_idle()

    assert idle.is_closed
    assert not busy.is_closed
    pool.close_all()
    assert busy.is_closed
