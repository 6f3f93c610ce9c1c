"""The qcluster's own metrics port (WEBHOOKS_WORKER_METRICS_PORT): its worker processes'
counters, for workers on hosts where no web process runs. Served by the qcluster's main
process, which outlives the workers it recycles, from a thread of its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from webhooks.metrics import exposition

logger = logging.getLogger(__name__)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a scrape in progress never holds up the qcluster's exit


class _Handler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("metrics port: %s", format % args)


def application(cluster_dir: Path) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def serve(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "/") not in ("/", "/metrics"):
            return _answer(start_response, HTTPStatus.NOT_FOUND)
        allowed = exposition.access(environ.get("HTTP_AUTHORIZATION"))
        if allowed != exposition.OK:
            return _answer(start_response, HTTPStatus(allowed))
        body = exposition.scrape(exposition.worker_registry(cluster_dir))
        start_response("200 OK", [("Content-Type", exposition.CONTENT_TYPE)])
        return [body]

    return serve


def _answer(start_response: StartResponse, status: HTTPStatus) -> list[bytes]:
    headers = [("Content-Type", "text/plain; charset=utf-8")]
    if status == HTTPStatus.UNAUTHORIZED:
        headers.append(("WWW-Authenticate", 'Bearer realm="metrics"'))
    start_response(f"{status.value} {status.phrase}", headers)
    return [f"{status.phrase}\n".encode()]


def start(address: str, port: int, cluster_dir: Path) -> WSGIServer:
    """Listens now (an address in use raises ``OSError`` at once), serves on a thread."""
    server = make_server(
        address, port, application(cluster_dir), server_class=_Server, handler_class=_Handler
    )
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    logger.info("worker metrics served on %s:%s/metrics", address, server.server_port)
    return server
