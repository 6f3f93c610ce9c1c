"""``manage.py revoke_portal_links SUBSCRIBER``: end every portal link of a subscriber,
and every session opened with them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webhooks.subscribers import links


class Command(BaseCommand):
    help = "Revoke every portal link of a subscriber (by name or id); their sessions end at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subscriber", metavar="SUBSCRIBER")

    def handle(self, *args: Any, subscriber: str, **options: Any) -> None:
        found = links.subscriber_named(subscriber)
        if found is None:
            raise CommandError(f"there is no subscriber {subscriber!r}")
        revoked = links.revoke(found.portal_links.all())
        self.stdout.write(f"Revoked {revoked} portal link(s) of {found}.")
