"""Turn environment variables into the settings that can be wrong.

Kept apart from ``settings/__init__.py`` so each decision (is this secret key good
enough for production? which database? which broker?) is a function a test can call
with a fake environment, instead of re-importing the whole settings module.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

# Django's own test for a weak key (security.W009), applied as a hard error in production.
_INSECURE_PREFIX = "django-insecure-"
_MIN_SECRET_KEY_LENGTH = 50
_MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5

DEV_SECRET_KEY = _INSECURE_PREFIX + "dev-only-never-deploy-this-key-0123456789abcdefghij"

# A web process and several workers write to the same SQLite file. WAL lets readers run
# beside the writer; IMMEDIATE takes the write lock when a transaction starts, so a
# transaction that reads then writes waits for its turn (busy timeout) instead of failing
# with "database is locked" when it tries to upgrade its lock halfway through.
SQLITE_OPTIONS: dict[str, Any] = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}


ENV_FILE_VARIABLE = "DJANGO_ENV_FILE"


def read_env_file(env: environ.Env, base_dir: Path) -> Path | None:
    """Loads the development settings ``make install`` writes (``.env`` in the project
    directory, or the file ``DJANGO_ENV_FILE`` names; empty: none) into the environment,
    under what is set there already. Returns the file read, if any."""
    named = os.environ.get(ENV_FILE_VARIABLE)
    path = base_dir / ".env" if named is None else Path(named) if named else None
    if path is None or not path.is_file():
        return None
    env.read_env(path)
    return path


def resolve_data_dir(raw: str, base_dir: Path) -> Path:
    """Relative paths are taken from the project directory, so the web process and a
    worker started from another directory still share one database."""
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    return path.resolve()


def data_dir(env: environ.Env, base_dir: Path) -> Path:
    return resolve_data_dir(env.str("DATA_DIR", default="var"), base_dir)


def metrics_dir(env: environ.Env, data: Path, base_dir: Path) -> Path:
    """Where processes that run in groups (a qcluster, a gunicorn) keep their counters."""
    return resolve_data_dir(env.str("METRICS_DIR", default=str(data / "metrics")), base_dir)


def secret_key(env: environ.Env, *, debug: bool) -> str:
    key: str = env.str("DJANGO_SECRET_KEY", default="")
    if debug:
        return key or DEV_SECRET_KEY
    if not key:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    if (
        key.startswith(_INSECURE_PREFIX)
        or len(key) < _MIN_SECRET_KEY_LENGTH
        or len(set(key)) < _MIN_SECRET_KEY_UNIQUE_CHARACTERS
    ):
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is too weak for production: use at least "
            f"{_MIN_SECRET_KEY_LENGTH} random characters, not starting with "
            f"'{_INSECURE_PREFIX}'."
        )
    return key


def allowed_hosts(env: environ.Env, *, debug: bool) -> list[str]:
    hosts: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=[])
    if hosts:
        return hosts
    if debug:
        return ["localhost", "127.0.0.1", "[::1]"]
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is false "
        "(comma-separated host names this service answers to)."
    )


def database(env: environ.Env, data_dir: Path) -> dict[str, Any]:
    default_url = f"sqlite:///{data_dir / 'db.sqlite3'}"
    config: dict[str, Any] = env.db_url("DATABASE_URL", default=default_url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    else:
        config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
        options = config.setdefault("OPTIONS", {})
        # No JIT: a page's few-millisecond query over a month of day partitions is
        # estimated dear enough to be compiled first, 130 ms each time (the backlog
        # header at ten million deliveries, docs/performance.md). Options given in the
        # URL come after, so they win.
        options["options"] = " ".join(["-c jit=off", options.get("options", "")]).strip()
    return config


def q_cluster(env: environ.Env, *, workers: int, task_timeout: int) -> dict[str, Any]:
    """django-q2's settings. ``retry`` must exceed ``timeout`` or the ORM broker hands a
    task that is still running to a second worker."""
    config: dict[str, Any] = {
        "name": "testimonials",
        "workers": workers,
        "timeout": task_timeout,
        "retry": task_timeout * 2,
        # Our own retry schedule lives in the database; the broker must never redeliver a
        # failed task on top of it.
        "ack_failures": True,
        "max_attempts": 1,
        "catch_up": False,
        "save_limit": 250,
        # Each worker also runs a webhook dispatcher thread, which restarts with it;
        # the tasks are tiny wake-ups, so there is no reason to recycle often.
        "recycle": 10_000,
        "label": "Task queue",
    }
    redis_url: str = env.str("REDIS_URL", default="")
    if redis_url:
        config["redis"] = redis_url
    else:
        config["orm"] = "default"
    return config


CACHE_TABLE = "api_cache"
CACHE_DIR = "cache"
# Throttle counts: one per API key and one per keyless client address. Past this many,
# the cache forgets a third of them at random.
CACHE_MAX_ENTRIES = 10_000


def cache(env: environ.Env, data_dir: Path, database: dict[str, Any]) -> dict[str, Any]:
    """The cache holds the API's throttle counts, which every web process must share (a
    count per process multiplies each limit by the number of processes): ``CACHE_URL``,
    else Redis when there is one, else one every process of the deployment reaches
    without Redis. With SQLite that is a directory beside the database (every process is
    on that host), which costs no write lock on the database a request's reads would
    otherwise take; with any other database, a table in it (``migrate`` creates it)."""
    if env.str("CACHE_URL", default=""):
        config: dict[str, Any] = env.cache_url("CACHE_URL")
        return config
    redis_url: str = env.str("REDIS_URL", default="")
    if redis_url:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "testimonials",
        }
    options = {"MAX_ENTRIES": CACHE_MAX_ENTRIES}
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(data_dir / CACHE_DIR),
            "OPTIONS": options,
        }
    return {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": CACHE_TABLE,
        "OPTIONS": options,
    }


LOG_FORMATS = ("plain", "json")


def log_format(env: environ.Env) -> str:
    value: str = env.str("LOG_FORMAT", default="plain").strip().lower()
    if value not in LOG_FORMATS:
        raise ImproperlyConfigured(
            f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {value!r}."
        )
    return value


# The webhooks app's variables, each read with the parser of its type. Their defaults are
# the app's (webhooks/conf.py DEFAULTS): a variable that is not given sets nothing.
WEBHOOKS_VARIABLES: dict[str, str] = {
    "WEBHOOKS_TIMEOUT": "float",
    "WEBHOOKS_RETRY_SCHEDULE": "str",
    "WEBHOOKS_RETRY_JITTER": "float",
    "WEBHOOKS_RETRY_AFTER_MAX": "str",
    "WEBHOOKS_ALLOW_PRIVATE_URLS": "bool",
    "WEBHOOKS_ALLOWED_NETWORKS": "list",
    "WEBHOOKS_DISABLE_AFTER": "str",
    "WEBHOOKS_DISABLE_AFTER_FAILURES": "int",
    "WEBHOOKS_FAILING_AFTER": "int",
    "WEBHOOKS_SECRET_ROTATION_OVERLAP": "str",
    "WEBHOOKS_POLL_INTERVAL": "str",
    "WEBHOOKS_BATCH_SIZE": "int",
    "WEBHOOKS_CONCURRENCY": "int",
    "WEBHOOKS_ENDPOINT_MAX_IN_FLIGHT": "int",
    "WEBHOOKS_WORKER_MAX_IN_FLIGHT": "int",
    "WEBHOOKS_LEASE": "str",
    "WEBHOOKS_MAX_PAYLOAD_BYTES": "int",
    "SITE_URL": "str",
    "METRICS_TOKEN": "str",
    "WEBHOOKS_WORKER_METRICS_PORT": "int",
    "WEBHOOKS_WORKER_METRICS_ADDRESS": "str",
    "PORTAL_LINK_TTL": "str",
    "PORTAL_FRAME_ANCESTORS": "str",
    "WEBHOOKS_RETENTION": "str",
    "WEBHOOKS_RETENTION_FAILED": "str",
}


def given(env: environ.Env, variables: dict[str, str]) -> dict[str, Any]:
    """The settings of the variables that are set (an empty port means none)."""
    values: dict[str, Any] = {}
    for name, parser in variables.items():
        if name in env.ENVIRON and not (parser == "int" and env.ENVIRON[name] == ""):
            values[name] = getattr(env, parser)(name)
    return values


def encryption_keys(env: environ.Env) -> list[str]:
    """The keys that encrypt webhook secrets at rest, first one encrypting; each is
    checked where keys are used (webhooks.trust.crypto), when the app loads. Required in
    development too: ``make install`` writes one into the checkout's .env, so the
    settings never have to make one (they only read configuration)."""
    keys: list[str] = env.list("WEBHOOKS_ENCRYPTION_KEYS", default=[])
    if not keys:
        raise ImproperlyConfigured(
            "WEBHOOKS_ENCRYPTION_KEYS must be set (comma-separated Fernet keys; the first "
            "encrypts). In a checkout, make install writes one into .env; elsewhere "
            "generate one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        )
    return keys
