"""A dispatcher in the test process, on the real transport, closed however the test ends."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from webhooks.sending.dispatcher import Dispatcher


@contextmanager
def running_dispatcher() -> Iterator[Dispatcher]:
    running = Dispatcher()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def dispatcher() -> Iterator[Dispatcher]:
    """A dispatcher for the test (the one fixture; conftest makes it everyone's)."""
    with running_dispatcher() as running:
        yield running


def send_everything_due() -> None:
    with running_dispatcher() as running:
        running.run_until_idle()


def step_until(dispatcher: Dispatcher, done: Callable[[], bool], timeout: float = 10) -> None:
    """Run dispatcher rounds until ``done()``; fail, never hang, after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the dispatcher did not get there in time"
        dispatcher.step()
        dispatcher.activity.wait(0.02)
        dispatcher.activity.clear()
