"""Django on a free port for one test: real HTTP for the API and the browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.test.testcases import LiveServerThread


@pytest.fixture
def site(transactional_db: None) -> Iterator[str]:
    """Django on a free port for this test only (pytest-django's ``live_server`` lives
    for the whole session, and its idle connections kept PostgreSQL's test database from
    being dropped at the end)."""
    server = LiveServerThread("127.0.0.1", StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error is not None:
        raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()
