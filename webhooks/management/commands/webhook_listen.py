"""A local webhook receiver for developers: prints each event and whether its signature
verified (like ``stripe listen``). Point an endpoint at it, with the endpoint's secret."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webhooks import formats
from webhooks.trust import signing


class _Server(ThreadingHTTPServer):
    # The dispatcher may have many requests in flight to one endpoint: the default listen
    # backlog of 5 would drop their connections (and the client would wait a second).
    request_queue_size = 128
    daemon_threads = True


class Command(BaseCommand):
    help = "Receive webhooks on 127.0.0.1 and print them, checking their signatures."
    _printing = threading.Lock()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=9000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--secret", required=True, help="the endpoint's whsec_ secret")
        parser.add_argument(
            "--status", type=int, default=200, help="HTTP status to answer (try 500 or 410)"
        )

    def handle(
        self, *args: Any, port: int, host: str, secret: str, status: int, **options: Any
    ) -> None:
        try:
            signing.secret_key_bytes(secret)
        except ValueError as exc:
            raise CommandError(f"--secret: {exc}") from None
        server = _Server((host, port), self._handler(secret, status))
        self.stdout.write(
            f"Listening on http://{host}:{server.server_port}/ (answering {status}); "
            "Ctrl-C to stop."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("")
        finally:
            server.server_close()

    def _handler(self, secret: str, status: int) -> type[BaseHTTPRequestHandler]:
        command = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the dispatcher expects

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                command.report(secret, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def report(self, secret: str, headers: dict[str, str], body: bytes) -> None:
        stamp = datetime.now(UTC).strftime("%H:%M:%S")
        try:
            signing.verify(secret, headers, body)
            verdict = self.style.SUCCESS("signature verified")
        except ValueError as exc:
            verdict = self.style.ERROR(f"signature NOT verified: {exc}")
        try:
            payload = json.loads(body)
            kind = payload.get("type", "?")
            shown = json.dumps(payload, indent=2, ensure_ascii=False)
            received = formats.identify(payload)
            if received == formats.Format.CLOUDEVENTS:
                kind = f"{kind} (CloudEvents)"
            elif received != formats.Format.STANDARD:
                # A chat message: shown as it would read in the channel.
                kind, shown = f"{received} message", formats.as_text(received, body.decode())
        except (ValueError, AttributeError):
            kind, shown = "?", body.decode("utf-8", "replace")
        webhook_id = {k.lower(): v for k, v in headers.items()}.get("webhook-id", "-")
        with self._printing:  # requests arrive on several threads at once
            self.stdout.write(f"{stamp} {kind}  webhook-id={webhook_id}  {verdict}\n{shown}\n")
