"""Signatures are Standard Webhooks: the official library verifies them."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from webhooks.sending.attempt import Target, loggable, request_headers
from webhooks.trust import signing

BODY = '{"type":"testimonial.approved","data":{"testimonial":{"content":"Très bien ✓"}}}'


def target(*secrets: str, body: str = BODY) -> Target:
    return Target(
        delivery_id=1,
        endpoint_id=1,
        url="https://hooks.example.com/in",
        secrets=list(secrets),
        custom_headers={"X-Tenant": "acme", "Authorization": "Bearer s3cr3t"},
        webhook_id="8c3f1d8e-8d5b-4a7e-9a55-0f2c1b2d3e4f",
        body=body.encode(),
        schedule_position=0,
    )


def now_ts() -> int:
    import time

    return int(time.time())


def test_generated_secrets_are_whsec_and_32_random_bytes() -> None:
    first, second = signing.generate_secret(), signing.generate_secret()

    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32
    assert first != second


def test_the_official_library_verifies_our_signature() -> None:
    secret = signing.generate_secret()
    headers = request_headers(target(secret), now_ts())

    payload = Webhook(secret).verify(BODY, headers)

    assert payload["data"]["testimonial"]["content"] == "Très bien ✓"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("testimonial-webhooks/")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: (h, b.replace("approved", "rejected")),
        lambda h, b: ({**h, "webhook-id": "another-id"}, b),
        lambda h, b: ({**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) + 1)}, b),
    ],
    ids=["body", "id", "timestamp"],
)
def test_a_tampered_request_is_refused(tamper: object) -> None:
    secret = signing.generate_secret()
    headers, body = tamper(request_headers(target(secret), now_ts()), BODY)  # type: ignore[operator]

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_another_secret_does_not_verify() -> None:
    headers = request_headers(target(signing.generate_secret()), now_ts())

    with pytest.raises(WebhookVerificationError):
        Webhook(signing.generate_secret()).verify(BODY, headers)


def test_during_rotation_both_secrets_verify() -> None:
    new, old = signing.generate_secret(), signing.generate_secret()
    headers = request_headers(target(new, old), now_ts())

    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(BODY, headers)
    Webhook(old).verify(BODY, headers)


def test_an_old_timestamp_is_refused_by_receivers() -> None:
    secret = signing.generate_secret()
    headers = request_headers(target(secret), now_ts() - 3600)

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, headers)


def test_logged_headers_hide_every_custom_value_but_keep_our_own() -> None:
    sent_to = target(signing.generate_secret())
    logged = loggable(sent_to, request_headers(sent_to, now_ts()))

    assert logged["Authorization"] == "[redacted]"
    assert logged["X-Tenant"] == "[redacted]"  # whatever the name: a value is a credential
    assert logged["webhook-signature"].startswith("v1,")
    assert logged["webhook-id"] == sent_to.webhook_id


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "hunter2hunter2",
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"x" * 23).decode(),
        "whsec_" + base64.b64encode(b"x" * 65).decode(),
    ],
)
def test_malformed_secrets_are_refused_without_echoing_them(bad: str) -> None:
    with pytest.raises(ValidationError) as refused:
        signing.validate_secret(bad)

    assert not bad or bad not in str(refused.value)


def test_our_verifier_agrees_with_the_official_library() -> None:
    secret = signing.generate_secret()
    headers = request_headers(target(signing.generate_secret(), secret), now_ts())

    signing.verify(secret, headers, BODY.encode())
    Webhook(secret).verify(BODY, headers)
    with pytest.raises(ValueError, match="no signature matches"):
        signing.verify(signing.generate_secret(), headers, BODY.encode())
    with pytest.raises(ValueError, match="no signature matches"):
        signing.verify(secret, headers, BODY.encode() + b" ")
    with pytest.raises(ValueError, match="5 minutes"):
        signing.verify(secret, headers, BODY.encode(), now=now_ts() + 600)
    with pytest.raises(ValueError, match="missing"):
        signing.verify(secret, {}, BODY.encode())
