"""Send deliveries again, e.g. after a receiver's outage: ``manage.py replay_webhooks``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webhooks.delivery_log import replay
from webhooks.management import selecting
from webhooks.text import counted

# Above this many deliveries, report progress while re-queueing.
PROGRESS_ABOVE = 1000


class Command(BaseCommand):
    help = (
        "Re-queue webhook deliveries with a fresh retry schedule. Without filters: every "
        "failed delivery. The same webhook-id and body are sent, signed anew; earlier "
        "attempts stay in the log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        selecting.add_arguments(parser, statuses=True)
        parser.add_argument(
            "--as-new",
            action="store_true",
            help="send under a new webhook-id, for receivers that already processed the "
            "original (default: the same id, which receivers deduplicate on)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be replayed, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = selecting.build(options)
        plan = replay.plan(chosen.queryset(), chosen.limit)
        if refusal := plan.refusal(chosen):
            raise CommandError(refusal)
        for error, count in plan.refused:
            self.stderr.write(self.style.WARNING(f"Skipped {counted(count, 'delivery')}: {error}."))

        show_each = options["dry_run"] or options["verbosity"] >= 2
        if show_each:
            for candidate in plan.candidates:
                self.stdout.write(candidate.describe())
        total = len(plan.candidates)
        if options["dry_run"]:
            self.stdout.write(
                f"Would replay {counted(total, 'delivery')}. Dry run: nothing changed."
            )
            return
        progress = None
        if total > PROGRESS_ABOVE:

            def progress(done: int) -> None:
                self.stderr.write(f"  re-queued {done} of {total}")

        done = replay.replay([c.id for c in plan.candidates], progress, as_new=options["as_new"])
        self.stdout.write(
            self.style.SUCCESS(f"Replayed {counted(done, 'delivery')}.")
            + (" A running worker (manage.py qcluster) sends them now." if done else "")
        )
