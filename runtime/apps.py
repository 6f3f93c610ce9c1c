from __future__ import annotations

from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


def prepare_directories() -> None:
    """The data directory holds the SQLite database, which SQLite will not create a
    directory for; whitenoise warns at start when STATIC_ROOT is missing. Made here, when
    a process starts, because the settings only say where they are."""
    for directory in (settings.DATA_DIR, settings.STATIC_ROOT):
        Path(directory).mkdir(parents=True, exist_ok=True)


class RuntimeConfig(AppConfig):
    name = "runtime"
    verbose_name = "Runtime"

    def ready(self) -> None:
        # Before any app opens a database connection: those open lazily, after setup.
        prepare_directories()
