"""Send deliveries again, e.g. after a receiver's outage: ``manage.py replay_webhooks``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from webhooks import replay
from webhooks.durations import parse_moment
from webhooks.events import EVENT_TYPES
from webhooks.exceptions import InvalidMoment
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.text import counted

STATUSES = [choice.value for choice in DeliveryStatus]
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
        selection = self.selection(options)
        plan = replay.plan(selection.queryset(), selection.limit)
        explicit = bool(selection.delivery_ids) or selection.endpoint_id is not None
        if plan.refused and explicit:
            raise CommandError("; ".join(str(error) for error, _ in plan.refused))
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

    def selection(self, options: dict[str, Any]) -> replay.Selection:
        now = timezone.now()
        endpoint_id = _optional_number("--endpoint", options["endpoint"])
        if endpoint_id is not None and not WebhookEndpoint.objects.filter(pk=endpoint_id).exists():
            raise CommandError(f"--endpoint: there is no endpoint #{endpoint_id}")
        return replay.Selection(
            delivery_ids=_delivery_ids(options["delivery"]),
            event_id=_event_id(options["event"]),
            endpoint_id=endpoint_id,
            event_type=_event_type(options["type"]),
            since=_moment("--since", options["since"], now),
            until=_moment("--until", options["until"], now),
            statuses=_statuses(options["status"]),
            limit=_limit(options["limit"]),
        )


def _number(flag: str, text: str) -> int:
    if not text.strip().isdigit():
        raise CommandError(f"{flag}: {text!r} is not a number (a positive whole number)")
    return int(text)


def _optional_number(flag: str, text: str | None) -> int | None:
    return None if text is None else _number(flag, text)


def _delivery_ids(texts: list[str]) -> tuple[int, ...]:
    ids = tuple(dict.fromkeys(_number("--delivery", text) for text in texts))
    found = set(WebhookDelivery.objects.filter(id__in=ids).values_list("id", flat=True))
    if missing := [pk for pk in ids if pk not in found]:
        raise CommandError(f"--delivery: no delivery with id {', '.join(map(str, missing))}")
    return ids


def _event_id(text: str | None) -> uuid.UUID | None:
    if text is None:
        return None
    try:
        event_id = uuid.UUID(text.strip())
    except ValueError:
        raise CommandError(f"--event: {text!r} is not an event id (a UUID)") from None
    if not WebhookEvent.objects.filter(pk=event_id).exists():
        raise CommandError(f"--event: there is no event {event_id}")
    return event_id


def _event_type(text: str | None) -> str | None:
    if text is not None and text not in EVENT_TYPES:
        raise CommandError(
            f"--type: {text!r} is not an event type; one of {', '.join(EVENT_TYPES)}"
        )
    return text


def _moment(flag: str, text: str | None, now: datetime) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_moment(text, now)
    except InvalidMoment as exc:
        raise CommandError(f"{flag}: {exc}") from None


def _statuses(texts: list[str] | None) -> tuple[str, ...] | None:
    if texts is None:
        return None
    wanted = [part.strip() for text in texts for part in text.split(",") if part.strip()]
    if "all" in wanted:
        return ()
    if unknown := [s for s in wanted if s not in STATUSES]:
        raise CommandError(
            f"--status: unknown status {', '.join(map(repr, unknown))}; "
            f"one of {', '.join(STATUSES)}, all"
        )
    return tuple(dict.fromkeys(wanted))


def _limit(text: str | None) -> int | None:
    limit = _optional_number("--limit", text)
    if limit == 0:
        raise CommandError("--limit: must be at least 1")
    return limit
