"""A real HTTP receiver on 127.0.0.1 for end-to-end tests.

Each path answers from a script of status codes (the last one repeats); ``hangs`` makes
a path wait before answering; ``retry_after`` adds that header to its 429 and 503
answers. Every request is kept with the time it arrived and the status it got, and each
path's most requests in flight at once is kept in ``peak``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    # Many requests in flight at once: the default listen backlog of 5 drops connections.
    request_queue_size = 256
    daemon_threads = True


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()
    status: int = 200


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.scripts: dict[str, list[int]] = {}
        self.hangs: dict[str, float] = {}
        self.retry_after: dict[str, str] = {}
        self.in_flight: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self._lock = threading.Condition()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def script(self, path: str, *statuses: int) -> None:
        self.scripts[path] = list(statuses)

    def snapshot(self) -> list[Received]:
        """Everything received so far, safe to read while requests keep arriving."""
        with self._lock:
            return list(self.received)

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def wait_for(self, condition: Callable[[list[Received]], bool], timeout: float) -> None:
        """Wait until ``condition(received)`` holds, or fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not condition(self.received):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"receiver: condition not met in {timeout}s; got "
                        f"{[(r.path, r.headers.get('webhook-id')) for r in self.received]}"
                    )
                self._lock.wait(left)

    def _record(self, request: Received) -> int:
        """Keeps the request (on arrival, before any hang) and picks the answer."""
        with self._lock:
            script = self.scripts.get(request.path) or [200]
            status = script.pop(0) if len(script) > 1 else script[0]
            self.received.append(replace(request, status=status))
            self.in_flight[request.path] = self.in_flight.get(request.path, 0) + 1
            self.peak[request.path] = max(
                self.peak.get(request.path, 0), self.in_flight[request.path]
            )
            self._lock.notify_all()
            return status

    def _answered(self, path: str) -> None:
        with self._lock:
            self.in_flight[path] -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like a real server
            # The answer in one write: unbuffered, the head and
            # the body went out as two segments, and Nagle's algorithm held the second for
            # the client's delayed ACK: 44 ms an answer.
            wbufsize = -1

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                request = Received(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    time.monotonic(),
                )
                status = receiver._record(request)
                try:
                    if self.path in receiver.hangs:
                        time.sleep(receiver.hangs[self.path])
                    self.send_response(status)
                    if status in (429, 503) and self.path in receiver.retry_after:
                        self.send_header("retry-after", receiver.retry_after[self.path])
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting, as it should with a hanging path
                finally:
                    receiver._answered(self.path)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
