"""What the database holds, read past the model's fields (which decrypt)."""

from __future__ import annotations

from django.db import connection

from webhooks.models import WebhookEndpoint


def stored_column(endpoint: WebhookEndpoint, column: str = "secret") -> str:
    assert column in ("secret", "previous_secret", "headers")
    with connection.cursor() as cursor:
        table = WebhookEndpoint._meta.db_table
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [endpoint.pk])  # noqa: S608
        (value,) = cursor.fetchone()
    return str(value)
