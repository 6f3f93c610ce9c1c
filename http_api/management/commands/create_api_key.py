"""``manage.py create_api_key NAME --scope SCOPE…``: prints the key, once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from http_api import grants
from http_api.models import ApiKey
from http_api.scopes import SCOPES


class Command(BaseCommand):
    help = "Create an API key and print it (only its hash is stored: it is shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="who or what uses the key; unique")
        parser.add_argument(
            "--scope",
            nargs="+",
            action="extend",
            required=True,
            metavar="SCOPE",
            help=f"one or more of: {', '.join(SCOPES)}, or all (every scope --user holds)",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="the key acts as this user: recorded as the moderator of what it approves, "
            "and it gets only scopes this user holds (webhooks:secrets needs one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scopes = [s for text in options["scope"] for s in text.split(",") if s.strip()]
        user = None
        if options["user"]:
            user = get_user_model()._default_manager.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"--user: there is no user {options['user']!r}")
        if grants.ALL in scopes:
            scopes = grants.grantable(user)
        if problems := grants.refusals(None, [s for s in scopes if s in SCOPES], user):
            raise CommandError(" ".join(problems))
        try:
            key, raw_key = ApiKey.create(options["name"], scopes, user)
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items())
            ) from None
        self.stderr.write(
            f"Created API key {key.name!r} ({', '.join(key.scopes)}). It is shown only now:"
        )
        self.stdout.write(raw_key)
