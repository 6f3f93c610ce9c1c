"""``manage.py prune_webhook_log --older-than 30d``: keep the delivery log bounded."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from webhooks.delivery_log import pruning
from webhooks.durations import parse_duration
from webhooks.exceptions import InvalidDuration
from webhooks.text import counted


class Command(BaseCommand):
    help = (
        "Delete succeeded deliveries (with their attempts) created before the given age, "
        "and events left with no delivery. Pending deliveries are never deleted; failed "
        "ones only with --include-failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 30d, 12h")
        parser.add_argument(
            "--include-failed", action="store_true", help="delete old failed deliveries too"
        )
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(
        self, *args: Any, older_than: str, include_failed: bool, dry_run: bool, **options: Any
    ) -> None:
        try:
            age = parse_duration(older_than)
        except InvalidDuration as exc:
            raise CommandError(f"--older-than: {exc}") from None
        before = timezone.now() - age
        if dry_run:
            counts = pruning.count(before, include_failed)
            verb = "Would delete"
        else:
            counts = pruning.prune(before, include_failed)
            verb = "Deleted"
        self.stdout.write(
            f"{verb} {counted(counts.deliveries, 'delivery')}, "
            f"{counted(counts.attempts, 'attempt')} and {counted(counts.events, 'event')} "
            f"created before {before:%Y-%m-%d %H:%M:%S %Z}."
            + (" Dry run: nothing changed." if dry_run else "")
        )
