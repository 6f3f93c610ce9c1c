"""One dispatcher per django-q2 worker process: started when the worker spawns, woken
by the task the outbox enqueues after a commit."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import connections

from webhooks.sending.dispatcher import Dispatcher

logger = logging.getLogger(__name__)

_running: Dispatcher | None = None


def wake() -> None:
    """Make this process's dispatcher look for work now, not at its next poll."""
    if _running is not None:
        _running.wake()


def start_in_worker(**_: Any) -> None:
    """django-q2 ``post_spawn`` receiver: every worker process runs one dispatcher."""
    global _running
    if _running is not None:
        return
    _running = dispatcher = Dispatcher()
    main = threading.main_thread()

    def serve() -> None:
        try:
            # Stops when the worker's main thread ends (django-q2 stopping or recycling
            # the worker), after finishing and recording the requests in flight.
            dispatcher.run(keep_running=main.is_alive)
        finally:
            connections.close_all()

    # Not a daemon: the interpreter waits for it to record what is in flight.
    threading.Thread(target=serve, name="webhook-dispatcher", daemon=False).start()
    logger.info("webhook dispatcher started")
