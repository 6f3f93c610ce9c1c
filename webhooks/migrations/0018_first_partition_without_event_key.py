# On PostgreSQL, the first partition of the deliveries (the log from before 0017) loses
# the foreign key to the events that it kept from being a plain table. The other days
# never had one (0017). Its check ran at every event's deletion, however few rows the
# first partition held: retention deletes a day's events after dropping the day, and
# the check was 40 % of that (docs/performance.md, "Retention by day on PostgreSQL").
# Retention deletes only the events no delivery refers to, checking every partition
# that can hold one, so the rule the key kept still holds.

from django.db import migrations

FIRST = "webhooks_webhookdelivery_p0"
EVENTS = "webhooks_webhookevent"
KEY = "webhooks_webhookdelivery_p0_event_id_fk"


def _event_keys(cursor):
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE contype = 'f' "
        "AND conrelid = to_regclass(%s) AND confrelid = to_regclass(%s)",
        [FIRST, EVENTS],
    )
    return [row[0] for row in cursor.fetchall()]


def drop_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in _event_keys(cursor):
            cursor.execute(f"ALTER TABLE {FIRST} DROP CONSTRAINT {name}")


def restore_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [FIRST])
        if cursor.fetchone()[0] is None or _event_keys(cursor):
            return
        cursor.execute(
            f"ALTER TABLE {FIRST} ADD CONSTRAINT {KEY} FOREIGN KEY (event_id) "
            f"REFERENCES {EVENTS} (id) DEFERRABLE INITIALLY DEFERRED"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0017_partitioned_log"),
    ]

    operations = [
        migrations.RunPython(drop_key, restore_key, elidable=False),
    ]
