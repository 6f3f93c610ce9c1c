"""``manage.py create_portal_link SUBSCRIBER [--expires 7d]``: a link into one
subscriber's portal, printed once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webhooks.access.delegation import Delegator
from webhooks.durations import parse_duration
from webhooks.exceptions import InvalidDuration
from webhooks.subscribers import links


class Command(BaseCommand):
    help = (
        "Make a portal link for a subscriber (by name or id) and print its URL. The URL is "
        "the credential: it is shown this once and stored only as a hash."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subscriber", metavar="SUBSCRIBER")
        parser.add_argument(
            "--expires",
            metavar="DURATION",
            help="how long the link works, e.g. 24h or 7d (default PORTAL_LINK_TTL, at most 30d)",
        )

    def handle(self, *args: Any, subscriber: str, expires: str | None, **options: Any) -> None:
        found = links.subscriber_named(subscriber)
        if found is None:
            raise CommandError(f"there is no subscriber {subscriber!r}")
        try:
            expires_in = parse_duration(expires) if expires else None
            link, path = links.create(
                found, Delegator.command_line("create_portal_link"), expires_in
            )
        except (InvalidDuration, links.InvalidLifetime) as exc:
            raise CommandError(f"--expires: {exc}") from None
        self.stdout.write(links.absolute(path))
        self.stderr.write(
            f"Portal link #{link.pk} for {found}, valid until {link.expires_at:%Y-%m-%d %H:%M} "
            "UTC. Hand it over privately: whoever holds it manages this subscriber's endpoints."
        )
