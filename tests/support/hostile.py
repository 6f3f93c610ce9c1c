"""Receivers that misbehave, on real sockets on 127.0.0.1: each connection is handed to
a behaviour that reads the request (or not) and answers however it likes."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

Behaviour = Callable[[socket.socket, "HostileServer"], None]


@dataclass
class HostileServer:
    behaviour: Behaviour
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    bytes_sent: int = 0
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    @contextmanager
    def running(self) -> Iterator[HostileServer]:
        listener = socket.create_server(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        stop = threading.Event()

        def serve() -> None:
            listener.settimeout(0.1)
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                with self._lock:
                    self.connections += 1
                threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join(5)
            listener.close()

    def _handle(self, conn: socket.socket) -> None:
        try:
            self.behaviour(conn, self)
        except OSError:
            pass  # the client hung up: that is what several behaviours wait for
        finally:
            conn.close()

    def count_sent(self, n: int) -> None:
        with self._lock:
            self.bytes_sent += n


def read_request(conn: socket.socket, server: HostileServer) -> bytes:
    """The whole request: headers, then a body of the announced length."""
    conn.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    server.requests.append(head + b"\r\n\r\n" + body)
    return data


def answer(status: int, *headers: str, body: bytes = b"") -> Behaviour:
    def behave(conn: socket.socket, server: HostileServer) -> None:
        read_request(conn, server)
        lines = [f"HTTP/1.1 {status} Hostile", *headers, f"Content-Length: {len(body)}"]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    return behave


def endless_body(size: int = 1 << 30) -> Behaviour:
    """Announces ``size`` bytes and sends zeros until the client stops reading."""

    def behave(conn: socket.socket, server: HostileServer) -> None:
        read_request(conn, server)
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
        chunk = bytes(65536)
        conn.settimeout(5)
        while server.bytes_sent < size:
            conn.sendall(chunk)
            server.count_sent(len(chunk))

    return behave


def reset_after_request(conn: socket.socket, server: HostileServer) -> None:
    """Reads the request, then aborts the connection (RST, not a clean close)."""
    read_request(conn, server)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def plain_http_to_anything(conn: socket.socket, server: HostileServer) -> None:
    """A plain-HTTP server: a TLS ClientHello gets an HTTP error back."""
    conn.settimeout(10)
    server.requests.append(conn.recv(65536))
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def not_http(conn: socket.socket, server: HostileServer) -> None:
    """Reads the request and answers with something that is not HTTP at all."""
    read_request(conn, server)
    conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
