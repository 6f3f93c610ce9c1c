"""The delivery selection options ``replay_webhooks`` and ``cancel_webhooks`` share, and
the one way they become a ``Selection`` (``webhooks.delivery_log.selection``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from webhooks.delivery_log import selection
from webhooks.delivery_log.selection import STATUSES, Selection


def add_arguments(parser: CommandParser, *, statuses: bool) -> None:
    """The filters; ``statuses``: whether ``--status`` may be chosen."""
    # Values are checked by build(), so a mistake is one clear line, never a usage dump.
    parser.add_argument(
        "--delivery",
        nargs="+",
        default=[],
        metavar="ID",
        help="these deliveries" + (" (any status unless --status is given)" if statuses else ""),
    )
    parser.add_argument(
        "--event",
        metavar="ID",
        help="the deliveries of this event (its webhook-id"
        + ("; any status unless --status)" if statuses else ")"),
    )
    parser.add_argument("--endpoint", metavar="ID", help="deliveries to this endpoint")
    parser.add_argument("--type", metavar="EVENT_TYPE", help="e.g. order.paid")
    parser.add_argument(
        "--since",
        metavar="WHEN",
        help="created at or after WHEN: ISO 8601 (2026-11-24T10:00Z) or ago (30m, 2h, 3d)",
    )
    parser.add_argument("--until", metavar="WHEN", help="created before WHEN (as --since)")
    if statuses:
        parser.add_argument(
            "--status",
            action="append",
            metavar="STATUS",
            help=f"{', '.join(STATUSES)} or all; repeat or comma-separate (default: failed)",
        )
    parser.add_argument("--limit", metavar="N", help="at most N deliveries, oldest first")


def build(options: dict[str, Any], status: list[str] | None = None) -> Selection:
    """The selection the options name (``status`` overrides ``--status``), or a
    CommandError naming the option that is wrong."""
    try:
        return selection.build(
            now=timezone.now(),
            delivery=options["delivery"],
            event=options["event"],
            endpoint=options["endpoint"],
            event_type=options["type"],
            since=options["since"],
            until=options["until"],
            status=status if status is not None else options.get("status"),
            limit=options["limit"],
        )
    except selection.InvalidSelection as error:
        raise CommandError(f"--{error.field}: {error.message}") from None
