"""``manage.py prune_webhook_log [--older-than 30d [--include-failed]] [--dry-run]
[--full-speed]``: keep the delivery log bounded, now (a django-q2 schedule does the same
every hour)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from webhooks.delivery_log import pruning
from webhooks.delivery_log.expiry import WORK_SHARE, Pace
from webhooks.durations import parse_duration
from webhooks.exceptions import InvalidDuration
from webhooks.text import counted


class Command(BaseCommand):
    help = (
        "Delete finished deliveries (with their attempts) older than their retention "
        "(WEBHOOKS_RETENTION, failed and cancelled ones WEBHOOKS_RETENTION_FAILED), then "
        "events no delivery refers to. With --older-than: succeeded deliveries older than "
        "that, and failed and cancelled ones too with --include-failed. Pending "
        "deliveries are never deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than", metavar="AGE", help="e.g. 30d, 12h (default: the settings)"
        )
        parser.add_argument(
            "--include-failed",
            action="store_true",
            help="with --older-than: delete old failed and cancelled deliveries too",
        )
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
        parser.add_argument(
            "--full-speed",
            action="store_true",
            help=f"work without rests (by default it works {WORK_SHARE:.0%} of its time, "
            "so the service keeps most of the machine)",
        )

    def handle(
        self,
        *args: Any,
        older_than: str | None,
        include_failed: bool,
        dry_run: bool,
        full_speed: bool,
        **options: Any,
    ) -> None:
        now = timezone.now()
        if older_than is None:
            if include_failed:
                raise CommandError("--include-failed goes with --older-than")
            cutoffs = pruning.retention(now)
            if not cutoffs.groups():
                self.stdout.write("WEBHOOKS_RETENTION keeps everything: nothing to prune.")
                return
        else:
            try:
                before = now - parse_duration(older_than)
            except InvalidDuration as exc:
                raise CommandError(f"--older-than: {exc}") from None
            cutoffs = pruning.Cutoffs(before, before if include_failed else None)
        if dry_run:
            counts = pruning.count(cutoffs, whole_days=older_than is None)
        else:
            # The settings' retention goes by whole days where the log is kept by day,
            # as the hourly task does it; an explicit age is exact.
            pace = Pace(share=1.0 if full_speed else WORK_SHARE)
            counts = pruning.prune(cutoffs, whole_days=older_than is None, pace=pace)
        self.stdout.write(
            f"{'Would delete' if dry_run else 'Deleted'} "
            f"{counted(counts.deliveries, 'delivery')}, "
            f"{counted(counts.attempts, 'attempt')} and {counted(counts.events, 'event')}"
            f" ({describe(cutoffs)})." + (" Dry run: nothing changed." if dry_run else "")
        )


def describe(cutoffs: pruning.Cutoffs) -> str:
    parts = []
    if cutoffs.succeeded is not None:
        parts.append(f"succeeded before {cutoffs.succeeded:%Y-%m-%d %H:%M:%S %Z}")
    if cutoffs.undelivered is not None:
        parts.append(f"failed or cancelled before {cutoffs.undelivered:%Y-%m-%d %H:%M:%S %Z}")
    return "; ".join(parts)
