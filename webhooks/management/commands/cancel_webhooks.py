"""Withdraw pending deliveries after a mistake: ``manage.py cancel_webhooks``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from webhooks.delivery_log import cancel, replay
from webhooks.management import selecting
from webhooks.models import DeliveryStatus
from webhooks.text import counted


class Command(BaseCommand):
    help = (
        "Cancel pending webhook deliveries, selected as replay_webhooks selects them (only "
        "pending ones can be cancelled). They are never sent, stay in the log, and can be "
        "replayed later (replay_webhooks --status cancelled)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        selecting.add_arguments(parser, statuses=False)
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be cancelled, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = selecting.build(options, status=[DeliveryStatus.PENDING])
        listed = replay.candidates(chosen.queryset(), chosen.limit)
        if options["dry_run"] or options["verbosity"] >= 2:
            for candidate in listed:
                self.stdout.write(candidate.describe())
        if options["dry_run"]:
            self.stdout.write(
                f"Would cancel {counted(len(listed), 'delivery')}. Dry run: nothing changed."
            )
            return
        done = cancel.cancel([c.id for c in listed])
        self.stdout.write(self.style.SUCCESS(f"Cancelled {counted(done, 'delivery')}."))
