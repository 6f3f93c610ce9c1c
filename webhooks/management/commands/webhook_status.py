"""``manage.py webhook_status``: the backlog at a glance, or as JSON for monitoring."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from webhooks.delivery_log import backlog
from webhooks.durations import format_duration, parse_duration
from webhooks.exceptions import InvalidDuration


class Command(BaseCommand):
    help = (
        "Show the delivery backlog: pending and due deliveries, how long the oldest due "
        "one has waited, failures in the last hour, disabled endpoints."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="one JSON object, for scripts"
        )
        parser.add_argument(
            "--max-wait",
            metavar="AGE",
            help="exit with status 1 when a due delivery has waited longer (e.g. 5m)",
        )

    def handle(self, *args: Any, as_json: bool, max_wait: str | None, **options: Any) -> None:
        try:
            limit = parse_duration(max_wait) if max_wait else None
        except InvalidDuration as exc:
            raise CommandError(f"--max-wait: {exc}") from None
        state = backlog.snapshot(timezone.now())
        if as_json:
            self.stdout.write(json.dumps(state.as_dict(), sort_keys=True))
        else:
            self.stdout.write("\n".join(backlog.describe(state)))
        waited = state.oldest_due_seconds
        if limit is not None and waited is not None and waited > limit.total_seconds():
            raise CommandError(
                f"the oldest due delivery has waited {waited:.0f}s, over --max-wait "
                f"{format_duration(limit)}: are the workers (manage.py qcluster) running?"
            )
