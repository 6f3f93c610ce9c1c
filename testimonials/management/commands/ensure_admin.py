"""Make sure someone can log in to the admin; used by ``make run``.

Creates the first superuser from ``DJANGO_SUPERUSER_USERNAME`` / ``_PASSWORD`` / ``_EMAIL``
when they are set, asks for one at a terminal otherwise, and always says where to log in.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Create the first admin user if there is none, and print where to log in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        users = get_user_model()._default_manager
        if not users.filter(is_superuser=True).exists():
            if os.environ.get("DJANGO_SUPERUSER_USERNAME") and os.environ.get(
                "DJANGO_SUPERUSER_PASSWORD"
            ):
                try:
                    call_command("createsuperuser", interactive=False, verbosity=0)
                except CommandError as exc:
                    # A typo in the variables must not keep the service from starting.
                    self.stderr.write(f"Could not create the admin user: {exc}")
            elif sys.stdin.isatty():
                self.stdout.write("No admin user yet: create one now (Ctrl-C to skip).")
                try:
                    call_command("createsuperuser")
                except KeyboardInterrupt:
                    self.stdout.write("")
        names = list(
            users.filter(is_superuser=True).values_list(users.model.USERNAME_FIELD, flat=True)
        )
        if names:
            self.stdout.write(f"Admin: {url}  (log in as: {', '.join(map(str, names))})")
        else:
            self.stdout.write(
                f"Admin: {url}  (no admin user yet: run "
                "'.venv/bin/python manage.py createsuperuser', or set "
                "DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD before 'make run')"
            )
