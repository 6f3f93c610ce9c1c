"""A dispatcher in the test process, on the real transport, closed however the test ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from webhooks.sending.dispatcher import Dispatcher


@contextmanager
def dispatcher() -> Iterator[Dispatcher]:
    running = Dispatcher()
    try:
        yield running
    finally:
        running.close()


def send_everything_due() -> None:
    with dispatcher() as running:
        running.run_until_idle()
