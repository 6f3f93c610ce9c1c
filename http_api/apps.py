from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_tables(using: str = "default", **kwargs: Any) -> None:
    """The throttle counts live in the database cache when there is no Redis: its table
    comes with ``migrate``, so every deployment that migrates has it (the command skips
    tables that exist and caches of other kinds)."""
    call_command("createcachetable", database=using, verbosity=0)


class ApiConfig(AppConfig):
    """What the HTTP API's apps share: keys and their scopes, authentication, throttles,
    pagination, errors, and the schema. The resources live in ``testimonials/api`` and
    ``webhooks/api``."""

    name = "http_api"
    # The label the keys' tables and migrations were made under, before the package was
    # renamed so as not to read like each domain's own ``api`` package.
    label = "api"
    verbose_name = "HTTP API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the OpenAPI description of Bearer keys with drf-spectacular.
        from http_api import schema  # noqa: F401

        post_migrate.connect(create_cache_tables, sender=self)
