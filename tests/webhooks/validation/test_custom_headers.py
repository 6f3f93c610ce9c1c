"""Receivers' custom headers are credentials (SPEC §10): checked at save without quoting
them, encrypted at rest, write-only in forms and the API, redacted in every attempt
whatever their name, and never in an error, a log line or an event."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pytest_django import Settings

from tests.support.columns import stored_column
from tests.support.dispatching import send_everything_due
from tests.support.factories import make_endpoint, make_testimonial
from tests.support.receiver import Receiver
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.sending import claims, lease
from webhooks.sending.attempt import Target
from webhooks.trust import crypto
from webhooks.validation import headers

pytestmark = pytest.mark.django_db

CREDENTIAL = "Bearer s3cr3t-t0ken"

ACCEPTED = [
    {"Authorization": CREDENTIAL},
    {"X-Team": "crm", "x-api-key": "k3y"},
    {"X-Odd-But-Valid!#$%&'*+.^_`|~": "v"},
    {"X-Spaced": "a b\tc"},  # blanks between visible characters
    {"X-Empty": ""},
    {"X-Long": "v" * headers.MAX_HEADER_VALUE},
]

REFUSED = [
    ({"Host\n": "x"}, "invalid_header"),  # a $ would have let the newline through
    ({"X Team": "x"}, "invalid_header"),
    ({"X-Team:": "x"}, "invalid_header"),
    ({"": "x"}, "invalid_header"),
    ({"X-Tëam": "x"}, "invalid_header"),
    ({"webhook-signature": "x"}, "invalid_header"),
    ({"Content-Type": "x"}, "invalid_header"),
    ({"X-A": "s3cr3t\r\nX-Injected: 1"}, "invalid_header"),
    ({"X-A": "s3cr3t\n"}, "invalid_header"),
    ({"X-A": "s3cr3t\x00"}, "invalid_header"),
    ({"X-A": "s3cr3t\x7f"}, "invalid_header"),
    ({"X-A": "s3cr3t-é"}, "invalid_header"),  # not visible ASCII
    ({"X-A": " s3cr3t"}, "invalid_header"),
    ({"X-A": "s3cr3t "}, "invalid_header"),
    ({"X-A": "v" * (headers.MAX_HEADER_VALUE + 1)}, "invalid_header"),
    ({"X-A": 7}, "invalid_header"),
    ({"X-A": "1", "x-a": "2"}, "duplicate_header"),
    ({f"X-{n}": "v" for n in range(headers.MAX_CUSTOM_HEADERS + 1)}, "too_many_headers"),
    (["X-A"], "invalid_headers"),
]


@pytest.mark.parametrize("value", ACCEPTED, ids=lambda v: ",".join(v)[:30])
def test_valid_headers_are_accepted(value: dict[str, str]) -> None:
    headers.validate_custom_headers(value)
    WebhookEndpoint(url="https://hooks.example.com/in", headers=value).full_clean()


@pytest.mark.parametrize(("value", "code"), REFUSED, ids=lambda v: repr(v)[:30])
def test_invalid_headers_are_refused_without_quoting_the_value(value: object, code: str) -> None:
    with pytest.raises(ValidationError) as refusal:
        WebhookEndpoint(url="https://hooks.example.com/in", headers=value).full_clean()

    assert refusal.value.error_dict["headers"][0].code == code
    assert "s3cr3t" not in str(refusal.value)


def test_values_are_stored_only_as_ciphertext_under_the_secrets_keys() -> None:
    endpoint = make_endpoint(headers={"Authorization": CREDENTIAL})

    column = stored_column(endpoint, "headers")
    assert "s3cr3t" not in column
    assert "Authorization" not in column  # the names too: nothing to guess from
    assert json.loads(crypto.decrypt(column)) == {"Authorization": CREDENTIAL}
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).headers == {"Authorization": CREDENTIAL}
    assert stored_column(make_endpoint(), "headers") == ""


def test_a_form_shows_names_and_keeps_what_it_is_given_back() -> None:
    stored = {"Authorization": CREDENTIAL, "X-Team": "crm"}
    shown = headers.for_form(stored)

    assert shown == {"Authorization": headers.KEPT, "X-Team": headers.KEPT}
    assert headers.from_form(stored, shown).headers == stored
    # Replace one (the name may change case), drop one, add one.
    changed = {"authorization": "Bearer new", "X-New": "1"}
    assert headers.from_form(stored, changed).headers == {
        "authorization": "Bearer new",
        "X-New": "1",
    }
    kept_renamed = {"AUTHORIZATION": headers.KEPT}
    assert headers.from_form(stored, kept_renamed).headers == {"AUTHORIZATION": CREDENTIAL}
    # KEPT for a name that holds nothing stays KEPT, which validation refuses.
    with pytest.raises(ValidationError):
        headers.validate_custom_headers(headers.from_form({}, {"X-New": headers.KEPT}).headers)


def test_an_api_update_sets_removes_and_keeps() -> None:
    stored = {"Authorization": CREDENTIAL, "X-Team": "crm"}

    assert headers.patched(stored, {}).headers == stored
    assert headers.patched(stored, {"x-team": "sales", "Authorization": None}).headers == {
        "x-team": "sales"
    }
    assert headers.patched({}, {"X-A": None, "X-B": "b"}).headers == {"X-B": "b"}


def test_every_custom_value_is_redacted_in_the_attempt_whatever_its_name(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    caplog.set_level(logging.DEBUG)
    sent = {"X-Team": "t34m-credential", "webhook-extra": "w3bh00k-credential"}
    with Receiver().running() as receiver:
        make_endpoint(url=receiver.url("/in"), headers=sent)
        make_testimonial()
        send_everything_due()
        (received,) = receiver.received

    assert received.headers["x-team"] == "t34m-credential"  # the receiver gets them
    (attempt,) = DeliveryAttempt.objects.all()
    assert attempt.request_headers["X-Team"] == headers.REDACTED
    assert attempt.request_headers["webhook-extra"] == headers.REDACTED
    assert attempt.request_headers["webhook-id"] == received.headers["webhook-id"]
    assert "credential" not in json.dumps(attempt.request_headers)
    assert "credential" not in caplog.text


def test_a_value_stored_before_the_check_is_refused_at_send_and_never_quoted(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A row written around full_clean() (or before values had to be ASCII): httpx would
    raise an encoding error quoting it into the log, the attempt and delivery.exhausted
    events to other receivers. It is refused instead, by name."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    caplog.set_level(logging.DEBUG)
    with Receiver().running() as receiver:
        endpoint = make_endpoint(url=receiver.url("/in"))
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            headers={"X-Key": "clé-s3cr3te", "X-Other": "line\r\nbreak-s3cr3te"}
        )
        make_testimonial()
        send_everything_due()
        assert receiver.received == []

    (attempt,) = DeliveryAttempt.objects.all()
    assert attempt.status_code is None
    assert attempt.error.startswith("refused before sending: The value of X-Key must be")
    delivery = WebhookDelivery.objects.get()
    records = [attempt.error, delivery.last_error, json.dumps(attempt.request_headers)]
    records += [event.payload for event in WebhookEvent.objects.all()]
    for record in [*records, caplog.text]:
        assert "s3cr3te" not in record
        assert "clé" not in record


def test_what_a_sender_holds_stays_out_of_reprs_and_so_of_tracebacks() -> None:
    endpoint = make_endpoint(
        url="https://hooks.example.com/in?token=qu3ry", headers={"X-Team": CREDENTIAL}
    )
    snapshot = claims.snapshot(endpoint, timezone.now())
    target = Target(1, endpoint.pk, endpoint.url, endpoint.signing_secrets(), endpoint.headers,
                    "msg", b'{"author_email": "a@example.com"}', 0)  # fmt: skip

    for shown in (repr(snapshot), repr(target)):
        for hidden in ("qu3ry", "s3cr3t", endpoint.secret, "a@example.com"):
            assert hidden not in shown


def test_an_unexpected_error_is_recorded_by_its_type_never_by_its_text(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An exception's text may quote what was being sent: the attempt says what kind of
    error it was, the worker log where it happened."""

    value = "clé-" + "s3cr3te"  # built here: a traceback quotes the raising line only

    def broken(client: object, target: Target, clock: object) -> None:
        raise UnicodeEncodeError("ascii", value, 2, 3, "ordinal not in range(128)")

    monkeypatch.setattr(lease, "attempt", broken)
    caplog.set_level(logging.DEBUG)
    make_endpoint()
    make_testimonial()
    send_everything_due()

    (attempt,) = DeliveryAttempt.objects.all()
    assert attempt.error == "internal error (UnicodeEncodeError); the worker log says where"
    assert "unexpected UnicodeEncodeError" in caplog.text
    assert "test_custom_headers.py" in caplog.text  # where: the traceback's frames
    assert "s3cr3te" not in caplog.text
