# One endpoint's log, newest first. Built without blocking the writers on PostgreSQL
# (CONCURRENTLY, outside a transaction): on a log of millions of rows a plain CREATE
# INDEX holds off every new delivery until it is done.

from django.db import migrations, models

INDEX = "delivery_endpoint_id_idx"
TABLE = "webhooks_webhookdelivery"


def create(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX {concurrently}IF NOT EXISTS {INDEX} ON {TABLE} (endpoint_id, id DESC)"
    )


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("webhooks", "0015_endpoint_hours"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="webhookdelivery",
                    index=models.Index(fields=["endpoint", "-id"], name=INDEX),
                ),
            ],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]
