"""A minimal HTTP/1.1 keep-alive receiver for benchmarks (asyncio, no framework), run
in its own process: ``python -m bench.receiver PORT_FILE``.

It answers every POST with 200 and remembers when each ``webhook-id`` first arrived.
``GET /stats`` returns those receipts as JSON; ``GET /reset`` forgets them."""

from __future__ import annotations

import asyncio
import json
import sys
import time

receipts: dict[str, float] = {}
state = {"count": 0, "first": 0.0, "last": 0.0}


def _respond(writer: asyncio.StreamWriter, body: bytes) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while request_line := await reader.readline():
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            await reader.readexactly(int(headers.get("content-length", "0")))
            if request_line.startswith(b"GET /stats"):
                _respond(writer, json.dumps({**state, "receipts": receipts}).encode())
            elif request_line.startswith(b"GET /reset"):
                receipts.clear()
                state.update(count=0, first=0.0, last=0.0)
                _respond(writer, b"{}")
            else:
                now = time.time()
                state["count"] += 1
                state["first"] = state["first"] or now
                state["last"] = now
                receipts.setdefault(headers.get("webhook-id", ""), now)
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
