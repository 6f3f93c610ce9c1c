"""Send deliveries again, e.g. after a receiver's outage: ``manage.py replay_webhooks``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from webhooks.delivery_log import replay, selection
from webhooks.delivery_log.selection import STATUSES, Selection
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
        # Values are checked in handle(), so a mistake is one clear line, never a usage dump.
        parser.add_argument(
            "--delivery",
            nargs="+",
            default=[],
            metavar="ID",
            help="these deliveries (any status unless --status is given)",
        )
        parser.add_argument(
            "--event",
            metavar="ID",
            help="the deliveries of this event (its webhook-id; any status unless --status)",
        )
        parser.add_argument("--endpoint", metavar="ID", help="deliveries to this endpoint")
        parser.add_argument("--type", metavar="EVENT_TYPE", help="e.g. testimonial.approved")
        parser.add_argument(
            "--since",
            metavar="WHEN",
            help="created at or after WHEN: ISO 8601 (2026-11-24T10:00Z) or ago (30m, 2h, 3d)",
        )
        parser.add_argument("--until", metavar="WHEN", help="created before WHEN (as --since)")
        parser.add_argument(
            "--status",
            action="append",
            metavar="STATUS",
            help=f"{', '.join(STATUSES)} or all; repeat or comma-separate (default: failed)",
        )
        parser.add_argument("--limit", metavar="N", help="at most N deliveries, oldest first")
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be replayed, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = self.selection(options)
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

        done = replay.replay([c.id for c in plan.candidates], progress)
        self.stdout.write(
            self.style.SUCCESS(f"Replayed {counted(done, 'delivery')}.")
            + (" A running worker (manage.py qcluster) sends them now." if done else "")
        )

    def selection(self, options: dict[str, Any]) -> Selection:
        try:
            return selection.build(
                now=timezone.now(),
                delivery=options["delivery"],
                event=options["event"],
                endpoint=options["endpoint"],
                event_type=options["type"],
                since=options["since"],
                until=options["until"],
                status=options["status"],
                limit=options["limit"],
            )
        except selection.InvalidSelection as error:
            raise CommandError(f"--{error.field}: {error.message}") from None
