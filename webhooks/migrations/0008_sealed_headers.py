"""Custom header values are receivers' credentials: encrypt those already stored, and
redact them in the attempts recorded before every custom value was redacted."""

import json

from django.db import migrations, models

import webhooks.trust.fields
import webhooks.validation.headers
from webhooks.trust import crypto

# What the dispatcher itself sends; every other recorded header was a custom one.
OWN_HEADERS = {"webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "user-agent"}


def seal(apps, schema_editor):
    endpoints = apps.get_model("webhooks", "WebhookEndpoint")
    for pk, headers in endpoints.objects.values_list("pk", "headers"):
        if headers:
            endpoints.objects.filter(pk=pk).update(
                sealed_headers=crypto.encrypt(json.dumps(headers, ensure_ascii=False))
            )


def unseal(apps, schema_editor):
    endpoints = apps.get_model("webhooks", "WebhookEndpoint")
    for pk, sealed in endpoints.objects.values_list("pk", "sealed_headers"):
        if sealed:
            endpoints.objects.filter(pk=pk).update(headers=json.loads(crypto.decrypt(sealed)))


def redact_recorded(apps, schema_editor):
    attempts = apps.get_model("webhooks", "DeliveryAttempt")
    changed = []
    for attempt in attempts.objects.only("pk", "request_headers").iterator(chunk_size=2000):
        recorded = attempt.request_headers or {}
        redacted = {
            name: value if name.lower() in OWN_HEADERS else webhooks.validation.headers.REDACTED
            for name, value in recorded.items()
        }
        if redacted != recorded:
            attempt.request_headers = redacted
            changed.append(attempt)
        if len(changed) >= 1000:
            attempts.objects.bulk_update(changed, ["request_headers"])
            changed = []
    attempts.objects.bulk_update(changed, ["request_headers"])


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0007_overview_page"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookendpoint",
            name="sealed_headers",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(seal, unseal),
        migrations.RemoveField(model_name="webhookendpoint", name="headers"),
        migrations.RenameField(
            model_name="webhookendpoint", old_name="sealed_headers", new_name="headers"
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="headers",
            field=webhooks.trust.fields.EncryptedJSONField(
                blank=True,
                default=dict,
                help_text='Extra request headers, e.g. {"Authorization": "Bearer …"}. Their '
                "values are the receiver's credentials: stored encrypted, never shown again.",
                validators=[webhooks.validation.headers.validate_custom_headers],
            ),
        ),
        migrations.RunPython(redact_recorded, migrations.RunPython.noop),
    ]
