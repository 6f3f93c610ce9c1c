"""``manage.py revoke_api_key NAME``: the key stops working at once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from http_api.models import ApiKey


class Command(BaseCommand):
    help = "Revoke an API key by name. It stays listed in the admin, marked revoked."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        key = ApiKey.objects.filter(name=options["name"]).first()
        if key is None:
            raise CommandError(f"There is no API key named {options['name']!r}.")
        if key.revoke():
            self.stdout.write(self.style.SUCCESS(f"Revoked API key {key.name!r}."))
        else:
            self.stdout.write(f"API key {key.name!r} was revoked already.")
