"""The webhooks settings' defaults are written once (webhooks/conf.py DEFAULTS); the
settings module sets only what the environment gives, and the documented tables say
what the code does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pytest_django import Settings

from settings import environment
from webhooks import conf as conf_module
from webhooks.conf import DEFAULTS, conf

ROOT = Path(__file__).resolve().parents[2]
# Which column of each page's settings tables holds the default.
DEFAULT_COLUMN = {"docs/configuration.md": 3, "docs/deploy.md": 2}
# Always set by the settings themselves, from DATA_DIR: a generated key, a directory.
SETTINGS_OWNED = {"WEBHOOKS_ENCRYPTION_KEYS", "METRICS_DIR"}


def documented(page: str) -> dict[str, str]:
    """name -> the default column of every settings table row of ``page``."""
    rows = {}
    for line in (ROOT / page).read_text().splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) > DEFAULT_COLUMN[page] + 1 and re.fullmatch(r"`[A-Z_]+`", cells[1]):
            rows[cells[1].strip("`")] = cells[DEFAULT_COLUMN[page]]
    return rows


def as_documented(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value in ("", [], None):
        return "empty"
    return f"`{value}`"


def without(settings: Settings, name: str) -> None:
    if hasattr(settings, name):
        delattr(settings, name)


@pytest.mark.parametrize("page", ["docs/configuration.md", "docs/deploy.md"])
def test_every_documented_default_is_the_codes(page: str, settings: Settings) -> None:
    rows = {
        name: cell
        for name, cell in documented(page).items()
        if name in DEFAULTS and name not in SETTINGS_OWNED
    }
    assert len(rows) >= (15 if page == "docs/configuration.md" else 5), "the table is still read"
    for name, cell in rows.items():
        if callable(DEFAULTS[name]):
            settings.DEBUG = True
            on = as_documented(conf_module.default(name))
            settings.DEBUG = False
            off = as_documented(conf_module.default(name))
            assert cell == f"{on} while `DJANGO_DEBUG` is on, else {off}", name
        elif DEFAULTS[name] in ("", [], None):
            assert cell in ("empty", "unset", "unset (off)"), (name, cell)
        else:
            assert cell == as_documented(DEFAULTS[name]), (name, cell)


@pytest.mark.parametrize("debug", [True, False])
def test_unset_settings_fall_back_to_the_one_default(settings: Settings, debug: bool) -> None:
    settings.DEBUG = debug
    for name in ("WEBHOOKS_ALLOW_PRIVATE_URLS", "SITE_URL", "WEBHOOKS_TIMEOUT"):
        without(settings, name)
    assert conf.allow_private_urls is debug
    assert conf.site_url == ("http://127.0.0.1:8000" if debug else "")
    assert conf.timeout == DEFAULTS["WEBHOOKS_TIMEOUT"]


def test_the_settings_module_sets_only_what_the_environment_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import environ

    for name in environment.WEBHOOKS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WEBHOOKS_TIMEOUT", "7.5")
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE_URLS", "false")
    monkeypatch.setenv("WEBHOOKS_WORKER_METRICS_PORT", "")
    given = environment.given(environ.Env(), environment.WEBHOOKS_VARIABLES)
    assert given == {"WEBHOOKS_TIMEOUT": 7.5, "WEBHOOKS_ALLOW_PRIVATE_URLS": False}


def test_every_variable_has_one_default() -> None:
    assert set(environment.WEBHOOKS_VARIABLES) <= set(DEFAULTS)
