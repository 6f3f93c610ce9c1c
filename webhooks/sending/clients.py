"""Keep-alive HTTP clients per endpoint, one lent to each request in flight.

httpcore's connection pool does work proportional to its connections under one lock on
every request, which dozens of threads sharing one pool turned into a slowdown
(docs/performance.md). So an endpoint gets a free list of one-connection clients
instead: a request borrows one (or makes one) and gives it back, and an endpoint never
has more connections than it had requests in flight at once.

Lending takes no lock (``dict.get`` and ``deque.append``/``pop`` are atomic): a lock
taken by every request became a convoy under load, its holder losing the interpreter
lock while dozens of senders queued behind it.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from webhooks.sending import http_transport
from webhooks.sending.clock import SYSTEM_CLOCK, Clock

# Connections kept for an endpoint nobody has sent to for this long are closed.
UNUSED_CLIENTS_SECONDS = 300


@dataclass
class _Clients:
    url: str
    origin: str
    free: deque[httpx.Client]
    used_at: float  # the clock's moment


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class ClientPool:
    def __init__(self, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clock = clock
        self._changing = threading.Lock()  # only to replace an endpoint's clients
        self._endpoints: dict[int, _Clients] = {}

    def borrow(self, endpoint_id: int, url: str) -> httpx.Client:
        clients = self._endpoints.get(endpoint_id)
        if clients is None or clients.url != url:
            clients = self._renew(endpoint_id, url)
        clients.used_at = self._clock.monotonic()
        try:
            return clients.free.pop()
        except IndexError:
            return http_transport.new_client()

    def give_back(self, endpoint_id: int, url: str, client: httpx.Client) -> None:
        clients = self._endpoints.get(endpoint_id)
        if clients is not None and clients.url == url:
            clients.free.append(client)
        else:
            client.close()

    def _renew(self, endpoint_id: int, url: str) -> _Clients:
        """The endpoint is new here, or its URL changed: when it leads to another host,
        the old connections are of no use."""
        with self._changing:
            old = self._endpoints.get(endpoint_id)
            if old is not None and old.url == url:
                return old  # another thread got here first
            origin = _origin(url)
            kept = old.free if old is not None and old.origin == origin else deque()
            self._endpoints[endpoint_id] = clients = _Clients(
                url, origin, kept, self._clock.monotonic()
            )
        if old is not None and old.free is not kept:
            self._close(old.free)
        return clients

    def close_idle(self, idle_seconds: float = UNUSED_CLIENTS_SECONDS) -> None:
        cutoff = self._clock.monotonic() - idle_seconds
        with self._changing:
            idle = [pk for pk, clients in self._endpoints.items() if clients.used_at < cutoff]
            gone = [self._endpoints.pop(pk) for pk in idle]
        for clients in gone:
            self._close(clients.free)

    def close_all(self) -> None:
        self.close_idle(idle_seconds=-1)

    @staticmethod
    def _close(free: deque[httpx.Client]) -> None:
        while True:
            try:
                free.pop().close()
            except IndexError:
                return
