"""The httpx client webhooks are sent with, on httpx's and httpcore's public APIs.

httpx's own ``HTTPTransport`` takes no network backend, and ours (``transport``: the
address policy at connect time, a deadline on every socket operation) is what makes a
send safe. So this is a transport as httpx documents custom ones (a ``BaseTransport``
whose ``handle_request`` answers an ``httpx.Request``) over an ``httpcore.ConnectionPool``
built with that backend, as httpcore documents network backends. httpcore's errors
become httpx's, with the original as the cause (``attempt`` reads it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from ssl import SSLContext
from typing import cast

import httpcore
import httpx

from webhooks.conf import conf
from webhooks.sending.transport import GuardedBackend

# Most specific first: the first match is the one raised.
ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)

# Where the transport leaves a redirect's Location (see GuardedTransport.handle_request).
LOCATION = "webhooks.location"


@contextmanager
def as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core, mapped in ERRORS:
            if isinstance(exc, core):
                raise mapped(str(exc)) from exc
        raise


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self.stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with as_httpx_errors():
            yield from self.stream

    def close(self) -> None:
        close = getattr(self.stream, "close", None)
        if close is not None:
            close()


@cache
def _tls() -> SSLContext:
    # Building a context loads the CA bundle (about a millisecond); one serves every
    # connection, from any thread.
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.BaseTransport):
    def __init__(self, connections: int = 1) -> None:
        self.pool = httpcore.ConnectionPool(
            ssl_context=_tls(),
            max_connections=connections,
            max_keepalive_connections=connections,
            keepalive_expiry=30,
            http1=True,
            http2=False,
            retries=0,
            network_backend=GuardedBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """The answer, with its ``Location`` moved out of the headers: the client, even not
        following redirects, parses it into a next request, and a malformed one would
        raise as though nothing had been answered. We only ever quote it."""
        sent = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=cast(Iterable[bytes], request.stream),  # a sync client's body
            extensions=request.extensions,
        )
        with as_httpx_errors():
            answer = self.pool.handle_request(sent)
        headers = httpx.Headers(answer.headers)
        extensions = dict(answer.extensions)
        location = headers.get("location")
        if location is not None:
            del headers["location"]
            extensions[LOCATION] = location
        return httpx.Response(
            status_code=answer.status,
            headers=headers,
            stream=_Body(cast(Iterable[bytes], answer.stream)),
            extensions=extensions,
        )

    def close(self) -> None:
        self.pool.close()


def new_client() -> httpx.Client:
    """A client with one keep-alive connection, lent to one request at a time (see
    ``sending.clients``: httpcore's shared pool does not scale to many threads)."""
    return httpx.Client(
        transport=GuardedTransport(),
        timeout=httpx.Timeout(conf.timeout, connect=conf.connect_timeout),
        follow_redirects=False,
        trust_env=False,
    )
