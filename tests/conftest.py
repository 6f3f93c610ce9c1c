from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.dispatch import Signal
from pytest_django import Settings
from rest_framework.test import APIClient

from tests.support.dispatching import dispatcher  # noqa: F401 - a fixture
from tests.support.factories import make_api_key, make_superuser
from tests.support.listening import listener  # noqa: F401 - a fixture
from tests.support.receiver import Receiver
from tests.support.signals import ALL_SIGNALS, SignalLog
from tests.support.sites import site  # noqa: F401 - a fixture
from tests.support.worker import StartWorker, Worker

# Fixtures through which a test reaches the database (pytest-django's, and ours built on
# them, whose closure includes one of these).
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_reset_sequences"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="leave out the tests that never touch the database, or that are marked "
        "database_agnostic (the PostgreSQL + Redis pass: the SQLite pass already ran them, "
        "and they cannot tell the two apart)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Everything in tests/end_to_end/ starts processes: ``make test-fast`` leaves it out."""
    for item in items:
        if "end_to_end" in item.path.parts:
            item.add_marker(pytest.mark.slow)
    if config.getoption("--database-tests-only"):
        kept = [item for item in items if touches_the_database(item)]
        left_out = [item for item in items if not touches_the_database(item)]
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def touches_the_database(item: pytest.Item) -> bool:
    """Whether a test uses the database, or a service chosen by the environment, in a way
    the database can change."""
    if item.get_closest_marker("database_agnostic"):
        return False
    if item.get_closest_marker("django_db") or item.get_closest_marker("services"):
        return True
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


@pytest.fixture
def signal_log() -> Iterator[SignalLog]:
    log = SignalLog()
    receivers: list[tuple[Signal, Any]] = []
    for name, signal in ALL_SIGNALS.items():

        def receiver(sender: Any, _name: str = name, **kwargs: Any) -> None:
            log.sent.append((_name, {"sender": sender, **kwargs}))

        signal.connect(receiver, weak=False)
        receivers.append((signal, receiver))
    yield log
    for signal, receiver in receivers:
        signal.disconnect(receiver)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """On SQLite, test in a file as production runs: in-memory test databases share a
    cache with table locks that ignore the busy timeout, and worker subprocesses started by
    the end-to-end tests could not see them at all."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Child processes (gunicorn, qcluster) started without REDIS_URL count API throttles
    in the database cache: its table is in the test database whichever pass this is."""
    from django.core.management import call_command
    from django.test import override_settings

    from settings.environment import CACHE_TABLE

    database_cache = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": CACHE_TABLE,
    }
    with django_db_blocker.unblock(), override_settings(CACHES={"default": database_cache}):
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: Settings, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # pytest-django runs with DEBUG off, so the development defaults that follow DEBUG
    # are given as a developer's checkout has them: receivers on 127.0.0.1, links to
    # make run's admin. Tests of the production behaviour set their own.
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.MEDIA_ROOT = tmp_path / "media"
    # /metrics sums the counter files of qclusters on this host: none but the test's own.
    settings.METRICS_DIR = tmp_path / "metrics"
    # Throttle counts start from zero in every test.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }


@pytest.fixture
def api_client() -> Callable[..., APIClient]:
    """``api_client(*scopes)``: a client sending a new key with those scopes (every
    scope when none is named), acting as a superuser unless ``user`` says otherwise;
    ``api_client(key=None)``: one sending no key."""

    def make(*scopes: str, key: str | None = "new", user: Any = "superuser") -> APIClient:
        client = APIClient()
        if key == "new":
            acting = make_superuser() if user == "superuser" else user
            _, key = make_api_key(*scopes, user=acting)
        if key is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return make


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP receiver on 127.0.0.1 (some modules swap in a fake one)."""
    with Receiver().running() as running:
        yield running


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[StartWorker]:
    """Real ``qcluster`` processes on the test database, stopped after the test."""
    started: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = Worker(tmp_path, **env).start()
        started.append(worker)
        return worker

    yield start
    failures = []
    for worker in started:
        try:
            worker.stop()
        except AssertionError as failure:  # stop the others all the same
            failures.append(failure)
    if failures:
        raise failures[0]
