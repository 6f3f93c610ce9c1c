"""A minimal HTTP/1.1 keep-alive receiver for benchmarks (asyncio, no framework), run
in its own process: ``python -m bench.receiver PORT_FILE``. Thousands of concurrent
requests cost it little: a slow answer is an ``asyncio.sleep``.

Each POST is answered 200 unless its query string says otherwise:

* ``?ms=100``: answer after 100 ms, like a receiver on the internet;
* ``?fail=0.2``: answer 500 to that share of requests (a seeded generator, so runs
  repeat);
* paths starting with ``/hang`` never answer (the sender's timeout ends them).

It remembers when each ``webhook-id`` first arrived, and per path (query left out): how
many requests came, when each did, the most in flight at once, and the order in which
``webhook-id``s were answered 200 (``/stats?path=/x`` gives one path's times and order).
``GET /stats`` returns the summary as JSON; ``GET /reset`` forgets everything."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class PathStats:
    count: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    times: list[float] = field(default_factory=list)
    succeeded: list[str] = field(default_factory=list)  # webhook-ids answered 200, in order

    def summary(self) -> list[Any]:
        return [self.count, self.times[0], self.times[-1], self.peak_in_flight]


receipts: dict[str, float] = {}
paths: dict[str, PathStats] = {}
chance = random.Random(1)  # noqa: S311 - failures to simulate, not secrets


def _reset() -> None:
    receipts.clear()
    paths.clear()
    chance.seed(1)


def _respond(writer: asyncio.StreamWriter, body: bytes, status: bytes = b"200 OK") -> None:
    writer.write(b"HTTP/1.1 %s\r\ncontent-length: %d\r\n\r\n%s" % (status, len(body), body))


def _stats(query: dict[str, list[str]]) -> bytes:
    if "path" in query:
        one = paths.get(query["path"][0], PathStats())
        return json.dumps({"times": one.times, "succeeded": one.succeeded}).encode()
    summary = {path: stats.summary() for path, stats in paths.items() if stats.times}
    return json.dumps({"paths": summary, "receipts": receipts}).encode()


async def _answer_post(writer: asyncio.StreamWriter, target: str, webhook_id: str) -> None:
    parts = urlsplit(target)
    query = parse_qs(parts.query)
    stats = paths.setdefault(parts.path, PathStats())
    now = time.time()
    stats.count += 1
    stats.times.append(now)
    receipts.setdefault(webhook_id, now)
    if parts.path.startswith("/hang"):
        await asyncio.sleep(3600)
    stats.in_flight += 1
    stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
    try:
        if "ms" in query:
            await asyncio.sleep(float(query["ms"][0]) / 1000)
        if "fail" in query and chance.random() < float(query["fail"][0]):
            _respond(writer, b"down", b"500 Internal Server Error")
        else:
            stats.succeeded.append(webhook_id)
            _respond(writer, b"ok")
    finally:
        stats.in_flight -= 1


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while request_line := await reader.readline():
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            await reader.readexactly(int(headers.get("content-length", "0")))
            method, target = request_line.decode("latin-1").split(" ")[:2]
            if method == "GET" and target.startswith("/stats"):
                _respond(writer, _stats(parse_qs(urlsplit(target).query)))
            elif method == "GET" and target.startswith("/reset"):
                _reset()
                _respond(writer, b"{}")
            else:
                await _answer_post(writer, target, headers.get("webhook-id", ""))
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def main(port_file: str) -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    with open(port_file, "w") as file:
        file.write(str(port))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
