"""Idempotency keys (SPEC §8): a retried POST does nothing twice and answers as the first
did; another body under the same key is a 422, a key still running a 409; keys belong to
their API key (or client address); stored answers are sealed. (Real parallel requests
against gunicorn: tests/end_to_end/test_idempotency.py.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from http_api.idempotency import keys
from http_api.idempotency.records import IdempotencyRecord
from http_api.idempotency.views import IdempotentPostMixin
from testimonials.models import Testimonial
from tests.support.factories import make_endpoint, make_superuser
from tests.support.openapi_document import operations
from tests.support.signals import SignalLog
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

LIST = "/api/v1/testimonials/"
GOOD = {"author_name": "Ann", "content": "Helpful and quick, thank you.", "rating": 5}


def with_key(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


@pytest.fixture
def writer(api_client: Callable[..., APIClient]) -> APIClient:
    return api_client("testimonials:write", "testimonials:read")


def test_a_retry_answers_the_first_answer_and_does_nothing_twice(
    writer: APIClient, signal_log: SignalLog
) -> None:
    make_endpoint()  # so that the outbox records the event
    first = writer.post(LIST, GOOD, headers=with_key("order-42"))
    again = writer.post(LIST, {**GOOD}, headers=with_key("order-42"))

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again[keys.REPLAYED] == "true"
    assert keys.REPLAYED not in first
    assert Testimonial.objects.count() == 1
    assert signal_log.names() == ["created"]
    assert WebhookEvent.objects.filter(type="testimonial.created").count() == 1


def test_the_same_body_in_another_key_order_is_the_same_request(writer: APIClient) -> None:
    writer.post(LIST, GOOD, headers=with_key("k"), format="json")
    reordered = dict(reversed(list(GOOD.items())))

    again = writer.post(LIST, reordered, headers=with_key("k"), format="json")

    assert again[keys.REPLAYED] == "true"
    assert Testimonial.objects.count() == 1


def test_another_body_under_a_used_key_is_a_422_and_changes_nothing(writer: APIClient) -> None:
    writer.post(LIST, GOOD, headers=with_key("k"))

    other = writer.post(LIST, {**GOOD, "rating": 4}, headers=with_key("k"))
    elsewhere = writer.post("/api/v1/categories/", {"name": "Shop"}, headers=with_key("k"))

    for answer in (other, elsewhere):
        assert answer.status_code == 422
        assert answer.json()["type"] == "/api/problems/idempotency-key-reused/"
    assert Testimonial.objects.count() == 1


def test_a_key_still_running_is_a_409_until_its_process_is_taken_for_dead(
    writer: APIClient,
) -> None:
    writer.post(LIST, GOOD, headers=with_key("k"))
    record = IdempotencyRecord.objects.get()
    record.state = IdempotencyRecord.State.RUNNING
    record.save()

    busy = writer.post(LIST, GOOD, headers=with_key("k"))
    assert busy.status_code == 409
    assert busy.json()["type"] == "/api/problems/idempotency-key-in-use/"

    IdempotencyRecord.objects.update(started_at=timezone.now() - keys.RUNNING_AT_MOST * 2)
    taken_over = writer.post(LIST, GOOD, headers=with_key("k"))
    assert taken_over.status_code == 201
    assert keys.REPLAYED not in taken_over
    assert Testimonial.objects.count() == 2


def test_keys_belong_to_their_api_key(api_client: Callable[..., APIClient]) -> None:
    user = make_superuser()
    one = api_client("testimonials:write", "testimonials:read", user=user)
    other = api_client("testimonials:write", "testimonials:read", user=user)

    first = one.post(LIST, GOOD, headers=with_key("shared"))
    second = other.post(LIST, GOOD, headers=with_key("shared"))

    assert second.status_code == 201
    assert keys.REPLAYED not in second
    assert second.json()["id"] != first.json()["id"]


def test_keyless_submissions_own_their_keys_by_client_address(
    api_client: Callable[..., APIClient], settings: Settings
) -> None:
    settings.TESTIMONIALS_PUBLIC_SUBMISSION = True
    visitor = api_client(key=None)

    here = visitor.post(LIST, GOOD, REMOTE_ADDR="203.0.113.7", headers=with_key("k"))
    again = visitor.post(LIST, GOOD, REMOTE_ADDR="203.0.113.7", headers=with_key("k"))
    there = visitor.post(LIST, GOOD, REMOTE_ADDR="203.0.113.8", headers=with_key("k"))

    assert again[keys.REPLAYED] == "true"
    assert keys.REPLAYED not in there
    assert Testimonial.objects.count() == 2
    assert here.json()["id"] != there.json()["id"]


def test_a_key_runs_again_once_its_24_hours_are_over(writer: APIClient) -> None:
    writer.post(LIST, GOOD, headers=with_key("k"))
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    later = writer.post(LIST, GOOD, headers=with_key("k"))

    assert keys.REPLAYED not in later
    assert Testimonial.objects.count() == 2


def test_refusals_are_kept_but_a_conflict_frees_the_key(
    api_client: Callable[..., APIClient], writer: APIClient
) -> None:
    bad = writer.post(LIST, {**GOOD, "rating": 9}, headers=with_key("bad"))
    assert (
        writer.post(LIST, {**GOOD, "rating": 9}, headers=with_key("bad"))[keys.REPLAYED] == "true"
    )
    assert bad.status_code == 400

    endpoint = make_endpoint(is_active=False)
    client = api_client("webhooks:write", "webhooks:read")
    send_test = f"/api/v1/endpoints/{endpoint.pk}/send-test/"
    assert client.post(send_test, headers=with_key("t")).status_code == 409
    client.post(f"/api/v1/endpoints/{endpoint.pk}/enable/")

    assert client.post(send_test, headers=with_key("t")).status_code == 202


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "naïve"])
def test_a_key_is_1_to_255_visible_ascii_characters(writer: APIClient, key: str) -> None:
    answer = writer.post(LIST, GOOD, headers=with_key(key))

    assert answer.status_code == 400
    assert answer.json()["type"] == "/api/problems/invalid-idempotency-key/"
    assert not Testimonial.objects.exists()


def test_a_stored_answer_is_sealed_with_the_api_key(api_client: Callable[..., APIClient]) -> None:
    client = api_client("webhooks:write", "webhooks:read")
    body = {"url": "https://crm.example.com/in"}

    made = client.post("/api/v1/endpoints/", body, headers=with_key("e"))
    again = client.post("/api/v1/endpoints/", body, headers=with_key("e"))

    secret = made.json()["signing_secret"]
    assert again.json()["signing_secret"] == secret  # the client that made it may read it again
    record = IdempotencyRecord.objects.get()
    assert secret not in record.sealed_body
    assert secret.removeprefix("whsec_") not in record.sealed_body


def test_a_key_costs_two_queries(writer: APIClient) -> None:
    writer.post(LIST, GOOD)  # warm caches (content types, the key's last use)
    with CaptureQueriesContext(connection) as plain:
        writer.post(LIST, GOOD)
    with CaptureQueriesContext(connection) as keyed:
        writer.post(LIST, GOOD, headers=with_key("q"))

    def statements(captured: CaptureQueriesContext) -> int:
        return sum(not q["sql"].startswith(("SAVEPOINT", "RELEASE")) for q in captured)

    assert statements(keyed) - statements(plain) == 2  # the claim, and the answer kept


def test_prune_deletes_only_expired_keys(writer: APIClient) -> None:
    writer.post(LIST, GOOD, headers=with_key("old"))
    writer.post(LIST, GOOD, headers=with_key("new"))
    IdempotencyRecord.objects.filter(key="old").update(expires_at=timezone.now())

    call_command("prune_idempotency_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_every_post_operation_takes_a_key() -> None:
    posts = [path for path, method, _ in operations() if method == "post"]

    assert posts
    for path in posts:
        concrete = path.replace("{id}", "1")
        view = resolve(concrete).func
        assert issubclass(view.cls, IdempotentPostMixin), path  # type: ignore[attr-defined]


def test_an_action_without_a_body_is_keyed_whatever_content_type_the_client_sends(
    api_client: Callable[..., APIClient],
) -> None:
    client = api_client("testimonials:moderate", "testimonials:read")
    pending = writer_made(api_client)
    approve = f"{LIST}{pending}/approve/"

    stray = {"content_type": "text/plain", "data": "approve please"}
    first = client.post(approve, **stray, headers=with_key("a"))  # type: ignore[arg-type]
    again = client.post(approve, **stray, headers=with_key("a"))  # type: ignore[arg-type]

    assert first.status_code == again.status_code == 200
    assert again[keys.REPLAYED] == "true"


def writer_made(api_client: Callable[..., APIClient]) -> int:
    made = api_client("testimonials:write", "testimonials:read").post(LIST, GOOD)
    return int(made.json()["id"])
