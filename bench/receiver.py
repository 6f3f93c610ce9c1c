"""A minimal HTTP/1.1 keep-alive receiver for benchmarks (asyncio, no framework), run
in its own process: ``python -m bench.receiver PORT_FILE``.

It answers every POST with 200, except paths starting with ``/hang``, which never
answer (the sender's timeout ends them). It remembers when each ``webhook-id`` first
arrived and, per path, how many requests came and when the first and last did.
``GET /stats`` returns all that as JSON; ``GET /reset`` forgets it."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

receipts: dict[str, float] = {}
state: dict[str, Any] = {"count": 0, "first": 0.0, "last": 0.0, "paths": {}}


def _reset() -> None:
    receipts.clear()
    state.update(count=0, first=0.0, last=0.0, paths={})


def _respond(writer: asyncio.StreamWriter, body: bytes) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))


def _record(path: str, webhook_id: str) -> None:
    now = time.time()
    state["count"] += 1
    state["first"] = state["first"] or now
    state["last"] = now
    count, first, _ = state["paths"].get(path, (0, now, now))
    state["paths"][path] = (count + 1, first, now)
    receipts.setdefault(webhook_id, now)


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while request_line := await reader.readline():
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            await reader.readexactly(int(headers.get("content-length", "0")))
            path = request_line.split(b" ")[1].decode("latin-1")
            if request_line.startswith(b"GET /stats"):
                _respond(writer, json.dumps({**state, "receipts": receipts}).encode())
            elif request_line.startswith(b"GET /reset"):
                _reset()
                _respond(writer, b"{}")
            elif path.startswith("/hang"):
                await asyncio.sleep(3600)
            else:
                _record(path, headers.get("webhook-id", ""))
                _respond(writer, b"ok")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def main(port_file: str) -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    with open(port_file, "w") as file:
        file.write(str(port))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
