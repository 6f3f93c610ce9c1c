"""Attempt numbers unique per delivery. Logs written before this may hold one number
twice (a delivery sent twice in one recording round): those are renumbered in the order
they started, and the delivery's count of attempts raised to match its log."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models
from django.db.models import Count


def renumber(apps: Any, schema_editor: Any) -> None:
    attempt_model = apps.get_model("webhooks", "DeliveryAttempt")
    delivery_model = apps.get_model("webhooks", "WebhookDelivery")
    repeated = (
        attempt_model.objects.values("delivery_id", "number")
        .annotate(rows=Count("id"))
        .filter(rows__gt=1)
        .values_list("delivery_id", flat=True)
        .distinct()
    )
    for delivery_id in list(repeated):
        rows = attempt_model.objects.filter(delivery_id=delivery_id).order_by("started_at", "id")
        for number, row in enumerate(rows, start=1):
            if row.number != number:
                attempt_model.objects.filter(pk=row.pk).update(number=number)
        delivery_model.objects.filter(pk=delivery_id, attempts__lt=rows.count()).update(
            attempts=rows.count()
        )


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0008_sealed_headers")]

    operations = [
        migrations.RunPython(renumber, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="deliveryattempt",
            constraint=models.UniqueConstraint(
                fields=("delivery", "number"), name="attempt_number_unique"
            ),
        ),
    ]
