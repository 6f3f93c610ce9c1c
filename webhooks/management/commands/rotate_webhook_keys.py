"""``manage.py rotate_webhook_keys``: re-encrypt every endpoint secret and custom header
value under the first of WEBHOOKS_ENCRYPTION_KEYS, so older keys can be retired."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from webhooks.models import WebhookEndpoint
from webhooks.text import counted
from webhooks.trust import crypto

# Everything stored encrypted: the signing secrets and the custom headers.
SECRET_COLUMNS = ("secret", "previous_secret", "headers")


class Command(BaseCommand):
    help = (
        "Re-encrypt every webhook secret and custom header value under the first key of "
        "WEBHOOKS_ENCRYPTION_KEYS. "
        "Put the new key first, keep the old ones after it, deploy that everywhere, run "
        "this, then remove the old keys."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="report which key holds each secret"
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        with transaction.atomic():
            # The ciphertext as stored: Cast skips the field's decryption.
            rows = list(
                WebhookEndpoint.objects.select_for_update()
                .order_by("pk")
                .values_list("pk", *(Cast(c, TextField()) for c in SECRET_COLUMNS))
            )
            under_key: Counter[int] = Counter()
            stale: list[int] = []
            unreadable: list[int] = []
            for pk, *tokens in rows:
                numbers = [crypto.key_number(token) for token in tokens if token]
                if None in numbers:
                    unreadable.append(pk)
                    continue
                under_key.update(n for n in numbers if n is not None)
                if any(n != 1 for n in numbers):
                    stale.append(pk)
            if unreadable:
                raise CommandError(
                    f"endpoint(s) {', '.join(f'#{pk}' for pk in unreadable)}: a secret or "
                    "its custom headers cannot "
                    "be decrypted with any key in WEBHOOKS_ENCRYPTION_KEYS; add the key it "
                    "was encrypted with (after the new one). Nothing changed."
                )
            self.stdout.write(self._census(under_key))
            if dry_run:
                self.stdout.write(
                    f"Would re-encrypt the secrets and headers of "
                    f"{counted(len(stale), 'endpoint')}. "
                    "Dry run: nothing changed."
                )
                return
            for endpoint in WebhookEndpoint.objects.filter(pk__in=stale):
                # Saving the plaintext encrypts it under the first key.
                WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                    secret=endpoint.secret,
                    previous_secret=endpoint.previous_secret,
                    headers=endpoint.headers,
                )
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted the secrets and headers of {counted(len(stale), 'endpoint')} "
                "under key 1."
            )
            + " Keys after the first can be removed once every process runs with this list."
        )

    def _census(self, under_key: Counter[int]) -> str:
        if not under_key:
            return "Nothing encrypted stored yet."
        parts = [f"key {n}: {under_key[n]}" for n in sorted(under_key)]
        return "Encrypted values by the key that encrypts them: " + ", ".join(parts) + "."
