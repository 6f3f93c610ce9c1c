"""Configuration from the environment: safe for development, strict for production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import environ
import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from settings import environment
from tests.support.processes import ROOT, child_env, manage

STRONG_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> environ.Env:
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    return environ.Env()


def test_development_needs_no_secret_key(env: environ.Env) -> None:
    assert environment.secret_key(env, debug=True) == environment.DEV_SECRET_KEY


def test_production_without_a_secret_key_names_the_variable(env: environ.Env) -> None:
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be set"):
        environment.secret_key(env, debug=False)


@pytest.mark.parametrize(
    "weak", ["short", "django-insecure-" + "x" * 60, "ab" * 40, environment.DEV_SECRET_KEY]
)
def test_production_refuses_a_weak_secret_key(
    env: environ.Env, monkeypatch: pytest.MonkeyPatch, weak: str
) -> None:
    monkeypatch.setenv("DJANGO_SECRET_KEY", weak)

    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY is too weak"):
        environment.secret_key(env, debug=False)


def test_production_accepts_a_strong_secret_key(
    env: environ.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_SECRET_KEY", STRONG_KEY)

    assert environment.secret_key(env, debug=False) == STRONG_KEY


def test_allowed_hosts(env: environ.Env, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "127.0.0.1" in environment.allowed_hosts(env, debug=True)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ALLOWED_HOSTS"):
        environment.allowed_hosts(env, debug=False)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "a.example.com,b.example.com")
    assert environment.allowed_hosts(env, debug=False) == ["a.example.com", "b.example.com"]


def test_the_default_database_is_sqlite_in_the_data_dir_ready_for_concurrent_writers(
    env: environ.Env, tmp_path: Path
) -> None:
    config = environment.database(env, tmp_path)

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "db.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["timeout"] >= 5


def test_a_sqlite_database_url_gets_the_same_options(
    env: environ.Env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/other.db")

    config = environment.database(env, tmp_path)

    assert config["NAME"] == f"{tmp_path}/other.db"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_database_url_selects_postgresql(
    env: environ.Env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app:pw@db.internal:5432/testimonials")

    config = environment.database(env, tmp_path)

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["NAME"], config["USER"]) == (
        "db.internal",
        "testimonials",
        "app",
    )
    assert config["CONN_HEALTH_CHECKS"] is True
    assert "OPTIONS" not in config or "transaction_mode" not in config["OPTIONS"]


def test_the_broker_is_the_database_unless_redis_url_is_set(
    env: environ.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    orm = environment.q_cluster(env, workers=2, task_timeout=60)
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    redis = environment.q_cluster(env, workers=2, task_timeout=60)

    assert (orm.get("orm"), orm.get("redis")) == ("default", None)
    assert (redis.get("orm"), redis.get("redis")) == (None, "redis://cache.internal:6379/0")
    for config in (orm, redis):
        assert config["retry"] > config["timeout"]
        assert config["ack_failures"] is True


def test_a_relative_data_dir_is_taken_from_the_project_directory(tmp_path: Path) -> None:
    assert environment.resolve_data_dir("var", tmp_path) == tmp_path / "var"
    assert environment.resolve_data_dir(str(tmp_path / "abs"), Path("/x")) == tmp_path / "abs"


# The real startup, in a child process, as an operator would run it.


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    return child_env(
        # Production reads no checkout .env (which holds a development key).
        DJANGO_ENV_FILE="",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=STRONG_KEY,
        DJANGO_ALLOWED_HOSTS="testimonials.example.com",
        WEBHOOKS_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATA_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
        **overrides,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "WEBHOOKS_ENCRYPTION_KEYS"]
)
def test_production_startup_without_a_required_variable_stops_and_names_it(
    tmp_path: Path, missing: str
) -> None:
    env = production_env(tmp_path)
    del env[missing]

    result = manage("check", env=env)

    assert result.returncode != 0
    assert missing in result.stderr
    assert "ImproperlyConfigured" in result.stderr


@pytest.mark.slow
def test_check_deploy_is_clean_at_error_level_in_production(tmp_path: Path) -> None:
    result = manage("check", "--deploy", "--fail-level", "ERROR", env=production_env(tmp_path))

    assert result.returncode == 0, result.stderr
    assert "ERROR" not in result.stderr


@pytest.mark.slow
def test_the_checkout_starts_in_development_from_the_env_file_make_install_wrote(
    tmp_path: Path,
) -> None:
    lines = (ROOT / ".env").read_text().splitlines()
    assert "DJANGO_DEBUG=true" in lines
    (key,) = [
        line.partition("=")[2] for line in lines if line.startswith("WEBHOOKS_ENCRYPTION_KEYS=")
    ]
    Fernet(key)  # a usable key, written once by make install

    result = manage("check", env=child_env(DATA_DIR=str(tmp_path)))

    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_importing_the_settings_makes_nothing_and_a_starting_process_makes_its_directories(
    tmp_path: Path,
) -> None:
    data, static = tmp_path / "data", tmp_path / "static"
    env = child_env(DATA_DIR=str(data), STATIC_ROOT=str(static))

    imported = subprocess.run(
        [sys.executable, "-c", "import settings"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    assert not data.exists()
    assert not static.exists()

    result = manage("check", env=env)

    assert result.returncode == 0, result.stderr
    assert data.is_dir()
    assert static.is_dir()


@pytest.mark.slow
def test_without_the_env_file_a_process_is_production_and_refuses_insecure_defaults(
    tmp_path: Path,
) -> None:
    """A deployment from source that sets nothing: no technical error pages, no private
    URLs, no open /metrics, no development secret key."""
    result = manage("check", env=child_env(DATA_DIR=str(tmp_path), DJANGO_ENV_FILE=""))

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false" in result.stderr


def test_the_env_file_fills_in_what_the_environment_leaves_unset(
    env: environ.Env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "dev.env").write_text(
        "# development\nSETTINGS_PROBE_A=file\nSETTINGS_PROBE_B=file\n"
    )
    monkeypatch.setenv("DJANGO_ENV_FILE", str(tmp_path / "dev.env"))
    monkeypatch.setenv("SETTINGS_PROBE_A", "environment")
    monkeypatch.delenv("SETTINGS_PROBE_B", raising=False)

    assert environment.read_env_file(env, tmp_path) == tmp_path / "dev.env"

    assert os.environ["SETTINGS_PROBE_A"] == "environment"
    assert os.environ["SETTINGS_PROBE_B"] == "file"
    monkeypatch.delenv("SETTINGS_PROBE_B")
    monkeypatch.setenv("DJANGO_ENV_FILE", "")
    assert environment.read_env_file(env, tmp_path) is None
    monkeypatch.delenv("DJANGO_ENV_FILE")
    assert environment.read_env_file(env, tmp_path / "no-such-dir") is None


def test_postgresql_runs_without_jit_unless_the_url_says_otherwise(
    env: environ.Env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.internal:5432/testimonials")
    assert environment.database(env, tmp_path)["OPTIONS"]["options"] == "-c jit=off"

    monkeypatch.setenv(
        "DATABASE_URL", "postgres://app@db.internal:5432/testimonials?options=-c%20jit%3Don"
    )
    assert environment.database(env, tmp_path)["OPTIONS"]["options"] == "-c jit=off -c jit=on"


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL's setting"
)
@pytest.mark.django_db
def test_the_services_connections_run_without_jit() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_throttle_counts_go_to_a_cache_every_process_shares(
    env: environ.Env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CACHE_URL", raising=False)
    sqlite = environment.database(env, tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.internal:5432/testimonials")
    postgres = environment.database(env, tmp_path)

    beside_sqlite = environment.cache(env, tmp_path, sqlite)
    assert beside_sqlite["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert beside_sqlite["LOCATION"] == str(tmp_path / "cache")
    in_postgres = environment.cache(env, tmp_path, postgres)
    assert in_postgres["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert in_postgres["LOCATION"] == environment.CACHE_TABLE
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    redis = environment.cache(env, tmp_path, postgres)
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    monkeypatch.setenv("CACHE_URL", "locmemcache://")
    chosen = environment.cache(env, tmp_path, sqlite)
    assert chosen["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_log_format(env: environ.Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert environment.log_format(env) == "plain"
    monkeypatch.setenv("LOG_FORMAT", " JSON ")
    assert environment.log_format(env) == "json"
    monkeypatch.setenv("LOG_FORMAT", "logfmt")
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be one of plain, json"):
        environment.log_format(env)


@pytest.mark.slow
def test_json_log_lines_carry_the_ids(tmp_path: Path) -> None:
    """A command's log as LOG_FORMAT=json writes it: one object per line."""
    import json

    env = child_env(DATA_DIR=str(tmp_path), LOG_FORMAT="json")
    assert manage("migrate", "--noinput", env=env).returncode == 0
    script = (
        "import logging; logging.getLogger('webhooks.sending.recording').warning("
        "'webhook delivery %s failed', 7, extra={'delivery_id': 7, 'endpoint_id': 3})"
    )
    result = manage("shell", "-c", script, env=env)
    [line] = [line for line in result.stderr.splitlines() if line.startswith("{")]
    record = json.loads(line)
    assert record["message"] == "webhook delivery 7 failed"
    assert (record["delivery_id"], record["endpoint_id"]) == (7, 3)
    assert (record["level"], record["logger"]) == ("WARNING", "webhooks.sending.recording")
    plain = manage("shell", "-c", script, env=child_env(DATA_DIR=str(tmp_path)))
    assert "WARNING webhooks.sending.recording webhook delivery 7 failed" in plain.stderr


@pytest.mark.django_db(transaction=True)
def test_migrate_makes_the_database_cache_s_table(settings: Any) -> None:
    from django.db import connection

    from http_api.apps import create_cache_tables

    table = "probe_cache_table"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}
    }
    create_cache_tables(using="default")
    try:
        assert table in connection.introspection.table_names()
        create_cache_tables(using="default")  # again: nothing to do, no error
    finally:
        with connection.schema_editor() as editor:
            editor.execute(f"DROP TABLE {table}")
