"""Secrets stay secret: re-encryption under a new key, exports that stay encrypted, and
no plaintext secret in logs, attempt records or error messages."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from pytest_django import Settings

from tests.support.columns import stored_column
from tests.support.dispatching import running_dispatcher
from tests.support.factories import make_endpoint, make_testimonial
from tests.support.receiver import Receiver
from webhooks import endpoint_actions
from webhooks.exceptions import SecretDecryptionError
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.trust import crypto

pytestmark = pytest.mark.django_db


def rotate_keys(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_webhook_keys", *args, stdout=out)
    return out.getvalue()


def test_rotate_webhook_keys_reencrypts_everything_under_the_first_key(
    settings: Settings,
) -> None:
    old_key = settings.WEBHOOKS_ENCRYPTION_KEYS[0]
    first, second = make_endpoint(headers={"X-Team": "t0p"}), make_endpoint()
    old_secret = first.secret
    endpoint_actions.rotate_secret(first)  # previous_secret is encrypted too
    new_key = Fernet.generate_key().decode()
    settings.WEBHOOKS_ENCRYPTION_KEYS = [new_key, old_key]

    out = rotate_keys()

    assert "Encrypted values by the key that encrypts them: key 2: 4." in out
    assert "Re-encrypted the secrets and headers of 2 endpoints under key 1." in out
    settings.WEBHOOKS_ENCRYPTION_KEYS = [new_key]  # the old key retired
    reloaded = WebhookEndpoint.objects.get(pk=first.pk)
    assert (reloaded.secret, reloaded.previous_secret) == (first.secret, old_secret)
    assert reloaded.headers == {"X-Team": "t0p"}
    assert crypto.key_number(stored_column(first, "headers")) == 1
    assert WebhookEndpoint.objects.get(pk=second.pk).secret == second.secret
    assert crypto.key_number(stored_column(second)) == 1
    assert "key 1: 4." in rotate_keys("--dry-run")


def test_a_dry_run_changes_nothing(settings: Settings) -> None:
    endpoint = make_endpoint()
    before = stored_column(endpoint)
    settings.WEBHOOKS_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.WEBHOOKS_ENCRYPTION_KEYS,
    ]

    out = rotate_keys("--dry-run")

    assert (
        "Would re-encrypt the secrets and headers of 1 endpoint. Dry run: nothing changed." in out
    )
    assert stored_column(endpoint) == before


def test_a_secret_no_key_can_read_stops_the_rotation_and_names_the_endpoint(
    settings: Settings,
) -> None:
    readable_later = make_endpoint()
    before = stored_column(readable_later)
    settings.WEBHOOKS_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(CommandError) as error:
        rotate_keys()

    message = str(error.value)
    assert f"#{readable_later.pk}" in message
    assert "WEBHOOKS_ENCRYPTION_KEYS" in message
    assert "Nothing changed." in message
    assert stored_column(readable_later) == before


def test_no_endpoints_is_not_an_error() -> None:
    assert "Nothing encrypted stored yet." in rotate_keys()


def test_dumpdata_exports_secrets_encrypted_and_loaddata_reads_them_back(
    tmp_path: Path,
) -> None:
    endpoint = make_endpoint(headers={"X-Team": "t0p-credential"})
    secret = endpoint.secret
    out = io.StringIO()
    call_command("dumpdata", "webhooks.webhookendpoint", stdout=out)
    exported = out.getvalue()

    assert secret not in exported
    assert "whsec_" not in exported
    assert "t0p-credential" not in exported
    (row,) = json.loads(exported)
    assert row["fields"]["secret"].startswith("fernet:")
    assert row["fields"]["headers"].startswith("fernet:")

    WebhookEndpoint.objects.all().delete()
    fixture = tmp_path / "endpoints.json"
    fixture.write_text(exported)
    call_command("loaddata", str(fixture), stdout=io.StringIO())
    loaded = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert (loaded.secret, loaded.headers) == (secret, {"X-Team": "t0p-credential"})


def test_secrets_appear_in_no_log_record_attempt_or_error(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    caplog.set_level(logging.DEBUG)
    with Receiver().running() as receiver:
        receiver.script("/flaky", 500, 200)
        receiver.script("/gone", 410)
        flaky = make_endpoint(
            url=receiver.url("/flaky"), headers={"Authorization": "Bearer t0p", "X-Team": "t34m"}
        )
        gone = make_endpoint(url=receiver.url("/gone"))
        old_secret = flaky.secret
        endpoint_actions.rotate_secret(flaky)
        make_testimonial()
        with running_dispatcher() as running:
            running.run_until_idle()
            # The 500's retry, due at once.
            WebhookDelivery.objects.filter(status="pending").update(next_attempt_at=timezone.now())
            running.run_until_idle()

    secrets = [old_secret, flaky.secret, gone.secret]
    assert DeliveryAttempt.objects.count() == 3
    records = [
        json.dumps([a.request_headers, a.error, a.response_body])
        for a in DeliveryAttempt.objects.all()
    ]
    for secret in secrets:
        assert secret not in caplog.text
        assert all(secret not in record for record in records)
    # Every custom value redacted, whatever its header is called.
    assert all("t0p" not in record and "t34m" not in record for record in records)
    assert all(word not in caplog.text for word in ("t0p", "t34m"))


def test_error_messages_never_repeat_a_secret_or_its_ciphertext(settings: Settings) -> None:
    endpoint = make_endpoint()
    token = stored_column(endpoint)
    settings.WEBHOOKS_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(SecretDecryptionError) as decryption:
        WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert token not in str(decryption.value)

    almost = "whsec_" + "c2hvcnQ="  # a secret too short to sign with
    with pytest.raises(ValidationError) as validation:
        WebhookEndpoint(url="https://hooks.example.com/", secret=almost).full_clean()
    assert almost not in str(validation.value)
    assert "c2hvcnQ" not in str(validation.value)
