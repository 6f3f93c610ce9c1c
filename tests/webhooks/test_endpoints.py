"""Endpoint secrets at rest, validation in full_clean(), rotation."""

from __future__ import annotations

from datetime import timedelta

import environ
import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, ValidationError
from pytest_django import Settings

from settings import environment
from tests.support.columns import stored_column
from tests.support.factories import make_endpoint, make_testimonial
from webhooks import endpoint_actions
from webhooks.exceptions import SecretDecryptionError
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.trust import crypto
from webhooks.trust.signing import generate_secret

pytestmark = pytest.mark.django_db


def test_a_new_endpoint_gets_a_secret_and_the_database_holds_only_ciphertext() -> None:
    endpoint = make_endpoint()

    assert endpoint.secret.startswith("whsec_")
    column = stored_column(endpoint)
    assert endpoint.secret not in column
    assert "whsec_" not in column
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == endpoint.secret


def test_a_given_secret_is_kept() -> None:
    secret = generate_secret()

    assert make_endpoint(secret=secret).secret == secret


def test_a_wrong_key_is_a_clear_error_never_the_ciphertext(settings: Settings) -> None:
    endpoint = make_endpoint()
    settings.WEBHOOKS_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(SecretDecryptionError, match="WEBHOOKS_ENCRYPTION_KEYS") as error:
        WebhookEndpoint.objects.get(pk=endpoint.pk)

    assert isinstance(error.value, ImproperlyConfigured)


def test_keys_rotate_new_first_old_still_decrypts(settings: Settings) -> None:
    old_key = settings.WEBHOOKS_ENCRYPTION_KEYS[0]
    endpoint = make_endpoint()
    new_key = Fernet.generate_key().decode()
    settings.WEBHOOKS_ENCRYPTION_KEYS = [new_key, old_key]

    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == endpoint.secret
    rotated = crypto.reencrypt(stored_column(endpoint))
    settings.WEBHOOKS_ENCRYPTION_KEYS = [new_key]
    assert crypto.decrypt(rotated) == endpoint.secret


def test_a_malformed_key_names_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match="WEBHOOKS_ENCRYPTION_KEYS: key 2"):
        crypto.fernet_keys([Fernet.generate_key().decode(), "not-a-key"])


def test_encryption_keys_are_required_and_the_message_says_where_one_comes_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Development included: the settings read keys, they never make one (make install
    writes the checkout's key into .env)."""
    monkeypatch.delenv("WEBHOOKS_ENCRYPTION_KEYS", raising=False)

    with pytest.raises(ImproperlyConfigured, match=r"make install writes one into \.env"):
        environment.encryption_keys(environ.Env())


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://hooks.example.com/", "invalid_scheme"),
        ("https://", "no_host"),
        ("https://user:pw@hooks.example.com/", "credentials_in_url"),
        ("https://hooks.example.com:99999/", "invalid_url"),
    ],
)
def test_bad_urls_are_refused_by_full_clean(url: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        WebhookEndpoint(url=url).full_clean()

    assert "url" in refused.value.error_dict
    assert code in {e.code for e in refused.value.error_dict["url"]}


def test_private_addresses_are_refused_unless_allowed(settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationError, match="not a public address"):
        WebhookEndpoint(url="http://127.0.0.1:9000/").full_clean()

    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    WebhookEndpoint(url="http://127.0.0.1:9000/").full_clean()


def test_a_name_that_does_not_resolve_is_accepted_at_save_time(settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    WebhookEndpoint(url="https://does-not-exist.invalid/hook").full_clean()


def test_unknown_event_types_are_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        WebhookEndpoint(
            url="https://a.example.com/", event_types=["testimonial.eaten"]
        ).full_clean()

    assert "testimonial.eaten" in str(refused.value.error_dict["event_types"])


@pytest.mark.parametrize(
    "headers",
    [
        {"webhook-signature": "x"},
        {"Content-Type": "text/plain"},
        {"X-A": "a\r\nB: b"},
        {"bad name": "x"},
        {"X-A": 1},
        ["X-A"],
    ],
)
def test_bad_custom_headers_are_refused(headers: object) -> None:
    with pytest.raises(ValidationError) as refused:
        WebhookEndpoint(url="https://a.example.com/", headers=headers).full_clean()

    assert "headers" in refused.value.error_dict


def test_rotation_signs_with_both_secrets_until_the_overlap_ends() -> None:
    endpoint = make_endpoint()
    old = endpoint.secret

    new = endpoint_actions.rotate_secret(endpoint, overlap=timedelta(hours=1))

    stored = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert new != old
    assert stored.signing_secrets() == [new, old]
    assert stored.previous_secret_expires_at is not None
    stored.previous_secret_expires_at -= timedelta(hours=2)
    assert stored.signing_secrets() == [new]


def test_deleting_an_endpoint_deletes_its_log_but_keeps_the_events() -> None:
    doomed, kept = make_endpoint(), make_endpoint(url="https://kept.example.com/")
    make_testimonial()
    for delivery in WebhookDelivery.objects.all():
        delivery.attempt_log.create(number=1, started_at=delivery.created_at, duration_ms=1)

    doomed.delete()

    assert WebhookEvent.objects.count() == 1
    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [kept.pk]
    assert DeliveryAttempt.objects.count() == 1


def test_an_endpoints_timeout_and_schedule_fall_back_to_the_settings(settings: Settings) -> None:
    settings.WEBHOOKS_TIMEOUT = 9
    settings.WEBHOOKS_RETRY_SCHEDULE = "1m,2m"
    plain = WebhookEndpoint(url="https://hooks.example.com/a")
    tuned = WebhookEndpoint(url="https://hooks.example.com/b", timeout=2.5, retry_schedule="5s")

    assert (plain.effective_timeout(), tuned.effective_timeout()) == (9.0, 2.5)
    assert plain.effective_retry_schedule() == (timedelta(minutes=1), timedelta(minutes=2))
    assert tuned.effective_retry_schedule() == (timedelta(seconds=5),)
    # Saved before WEBHOOKS_LEASE was shortened below it: the setting applies instead of a
    # try that could outlive its claim.
    settings.WEBHOOKS_LEASE = "2s"
    settings.WEBHOOKS_TIMEOUT = 1.5
    assert tuned.effective_timeout() == 1.5
