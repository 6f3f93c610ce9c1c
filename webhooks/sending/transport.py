"""The network under the HTTP client webhooks are sent with (``http_transport``).

httpx gives per-phase timeouts and redirects off by default; this adds what a sender of
requests to user-typed URLs needs on top, as an httpcore network backend:

* a total deadline per attempt, enforced on every socket read and write, so a receiver
  trickling one byte a second cannot hold a sender for longer than WEBHOOKS_TIMEOUT;
* the address policy at connection time: the host is resolved once, every address is
  checked (``ssrf.refusal_reason``), and the connection goes to a checked address, so DNS
  cannot answer differently between the check and the connect. TLS server name,
  certificate checks and the ``Host`` header stay on the name from the URL.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from typing import Any

import httpcore

from webhooks.conf import conf
from webhooks.validation.ssrf import HOW_TO_ALLOW, refusal_reason

logger = logging.getLogger(__name__)

_attempt = threading.local()


class AddressRefused(httpcore.ConnectError):
    """The address policy refused the target before anything was sent."""


class NameNotResolved(httpcore.ConnectError):
    """DNS gave no address for the host."""


class DeadlineExceeded(httpcore.ReadTimeout):
    """The attempt as a whole ran out of time."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Bounds every network operation of this thread, until the block ends."""
    _attempt.deadline = time.monotonic() + seconds
    _attempt.seconds = seconds
    try:
        yield
    finally:
        _attempt.deadline = _attempt.seconds = None


def _time_left(timeout: float | None) -> tuple[float | None, bool]:
    """The timeout for the next operation, and whether the deadline is what limits it."""
    end: float | None = getattr(_attempt, "deadline", None)
    if end is None:
        return timeout, False
    left = end - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded(_gave_up())
    if timeout is None or left < timeout:
        return left, True
    return timeout, False


def _gave_up() -> str:
    seconds = getattr(_attempt, "seconds", None) or conf.timeout
    return f"gave up after the total limit of {seconds:g}s"


@contextmanager
def _reporting_deadline(limited_by_deadline: bool) -> Iterator[None]:
    try:
        yield
    except (httpcore.ReadTimeout, httpcore.WriteTimeout, httpcore.ConnectTimeout):
        if limited_by_deadline:
            raise DeadlineExceeded(_gave_up()) from None
        raise


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        left, limited = _time_left(timeout)
        with _reporting_deadline(limited):
            return self._stream.read(max_bytes, left)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        left, limited = _time_left(timeout)
        with _reporting_deadline(limited):
            self._stream.write(buffer, left)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left, limited = _time_left(timeout)
        with _reporting_deadline(limited):
            tls = self._stream.start_tls(ssl_context, server_hostname, left)
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


# getaddrinfo() blocks and takes no timeout: lookups run here so a sender can stop
# waiting at its deadline. A lookup that hangs (until the system resolver's own timeout)
# holds one of these threads, never a sender; there are enough of them (created only
# when needed) that a few hanging names do not starve the lookups of healthy ones.
_resolver = ThreadPoolExecutor(max_workers=64, thread_name_prefix="webhooks-dns")


def _lookup(host: str, port: int) -> list[Any]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def resolve(host: str, port: int) -> list[str]:
    left = _time_left(conf.connect_timeout)[0] or conf.connect_timeout
    lookup = _resolver.submit(_lookup, host, port)
    try:
        found = lookup.result(timeout=left)
    except FutureTimeout:
        lookup.cancel()
        raise NameNotResolved(
            f"cannot resolve {host}: no answer within {round(left, 1):g}s"
        ) from None
    except (socket.gaierror, UnicodeError) as exc:
        raise NameNotResolved(f"cannot resolve {host}: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:  # pragma: no cover - getaddrinfo raises rather than answer nothing
        raise NameNotResolved(f"cannot resolve {host}")
    return addresses


class GuardedBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port)
        for address in addresses:
            reason = refusal_reason(ipaddress.ip_address(address.split("%", 1)[0]))
            if reason is not None:
                # One bad answer refuses the name: mixing public and private addresses
                # is how DNS rebinding gets past a check of the first one.
                if host.strip("[]") == address:
                    raise AddressRefused(f"{address} is {reason}")
                # What an internal name resolves to is the operator's business, not that
                # of whoever reads the delivery log: the worker log has it.
                logger.info("refused %s: it resolves to %s, %s", host, address, reason)
                raise AddressRefused(
                    f"{host} resolves to an address that is not public; {HOW_TO_ALLOW}"
                )
        *others, last = addresses
        for address in others:
            try:
                return self._connect(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue  # the next checked address may answer
        return self._connect(last, port, timeout, local_address, socket_options)

    def _connect(
        self,
        address: str,
        port: int,
        timeout: float | None,
        local_address: str | None,
        socket_options: Iterable[Any] | None,
    ) -> httpcore.NetworkStream:
        left, limited = _time_left(timeout)
        with _reporting_deadline(limited):
            stream = self._backend.connect_tcp(address, port, left, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise AddressRefused("unix sockets are not webhook targets")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)
