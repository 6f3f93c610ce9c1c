"""Deletes idempotency keys older than 24 hours (run it daily, beside prune_webhook_log)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from http_api.idempotency import keys


class Command(BaseCommand):
    help = "Delete the API's idempotency keys whose 24 hours are over."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = keys.prune()
        self.stdout.write(f"Deleted {deleted} expired idempotency key(s).")
