"""Every error of the API is an RFC 9457 problem document (SPEC §8), whatever raised it:
a serializer, a model's full_clean(), django-filter, authentication, a scope, a missing
object or path, a conflict, a throttle, a bug; and every ``type`` it names can be read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from pytest_django import Settings
from rest_framework.test import APIClient

from http_api import problem_types
from tests.support.factories import make_endpoint
from tests.support.problems import MEDIA_TYPE, refused

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/endpoints/"


def problem(answer: Any, status: int, name: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"] == MEDIA_TYPE
    body: dict[str, Any] = answer.json()
    assert body["type"] == f"/api/problems/{name}/"
    assert body["title"] == problem_types.TYPES[name].title
    assert body["status"] == status
    assert body["detail"]
    return body


def test_invalid_input_lists_each_message_with_a_json_pointer_and_a_code(
    api_client: Callable[..., APIClient],
) -> None:
    answer = api_client("testimonials:write").post(
        "/api/v1/testimonials/", {"author_name": "Ann", "content": "Helpful, thanks!", "rating": 9}
    )

    body = problem(answer, 400, "validation-error")
    assert body["errors"] == [
        {
            "pointer": "/rating",
            "code": "max_value",
            "detail": "Ensure this value is less than or equal to 5.",
        }
    ]
    assert body["detail"] == "1 field refused."


def test_a_nested_field_gets_a_pointer_to_its_item(api_client: Callable[..., APIClient]) -> None:
    answer = api_client("webhooks:write").post(
        ENDPOINTS, {"url": "https://crm.example.com/in", "event_types": ["no.such"]}
    )

    body = problem(answer, 400, "validation-error")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [
        ("/event_types/0", "invalid_choice")
    ]


def test_what_full_clean_refuses_is_a_validation_problem_too(
    api_client: Callable[..., APIClient],
) -> None:
    answer = api_client("webhooks:write").post(ENDPOINTS, {"url": "ftp://crm.example.com/"})

    body = problem(answer, 400, "validation-error")
    assert body["errors"][0]["pointer"] == "/url"
    assert body["errors"][0]["code"] == "invalid_scheme"


def test_a_bad_query_parameter_is_named_as_a_field(api_client: Callable[..., APIClient]) -> None:
    answer = api_client("webhooks:read").get("/api/v1/deliveries/", {"since": "yesterday-ish"})

    body = problem(answer, 400, "validation-error")
    assert [e["field"] for e in body["errors"]] == ["since"]
    assert "pointer" not in body["errors"][0]


def test_a_body_that_is_not_json_is_a_parse_problem(api_client: Callable[..., APIClient]) -> None:
    answer = api_client("webhooks:write").post(
        ENDPOINTS, "{not json", content_type="application/json"
    )

    problem(answer, 400, "parse-error")


def test_no_key_a_missing_scope_and_a_missing_object(api_client: Callable[..., APIClient]) -> None:
    problem(api_client(key=None).get(ENDPOINTS), 401, "not-authenticated")
    forbidden = problem(api_client("testimonials:read").get(ENDPOINTS), 403, "permission-denied")
    assert "webhooks:read" in forbidden["detail"]
    problem(api_client("webhooks:read").get(f"{ENDPOINTS}999999/"), 404, "not-found")


def test_a_path_no_view_serves_is_a_problem_under_api_and_a_page_elsewhere(
    client: Client,
) -> None:
    problem(client.get("/api/v1/no-such-thing/"), 404, "not-found")

    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_a_method_a_media_type_and_a_conflict(api_client: Callable[..., APIClient]) -> None:
    client = api_client("webhooks:write", "webhooks:read")
    problem(client.put(ENDPOINTS, {}), 405, "method-not-allowed")
    problem(
        client.post(ENDPOINTS, {"url": "https://crm.example.com/"}, format="multipart"),
        415,
        "unsupported-media-type",
    )
    endpoint = make_endpoint(is_active=False)
    problem(client.post(f"{ENDPOINTS}{endpoint.pk}/send-test/"), 409, "conflict")


def test_a_throttled_client_is_told_when_to_come_back(
    api_client: Callable[..., APIClient], settings: Settings
) -> None:
    settings.API_KEY_RATE = "1/minute"
    client = api_client("webhooks:read")
    assert client.get(ENDPOINTS).status_code == 200

    answer = client.get(ENDPOINTS)

    problem(answer, 429, "throttled")
    assert 0 < int(answer["Retry-After"]) <= 60


def test_a_bug_is_a_problem_that_says_nothing_about_it(
    api_client: Callable[..., APIClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    from webhooks.delivery_log import backlog

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database password is hunter2")

    monkeypatch.setattr(backlog, "snapshot", broken)
    client = api_client("webhooks:read")
    client.raise_request_exception = False

    body = problem(client.get("/api/v1/status/"), 500, "server-error")
    assert "hunter2" not in str(body)


@pytest.mark.parametrize("name", sorted(problem_types.TYPES))
def test_every_problem_type_can_be_read_at_its_uri(client: Client, name: str) -> None:
    problem_type = problem_types.TYPES[name]

    answer = client.get(problem_type.uri)

    assert answer.status_code == 200
    assert answer.json() == {
        "type": problem_type.uri,
        "title": problem_type.title,
        "description": problem_type.description,
    }


def test_every_exception_code_maps_to_a_documented_type() -> None:
    assert set(problem_types.BY_CODE.values()) <= set(problem_types.TYPES)


def test_refused_reads_messages_by_field(api_client: Callable[..., APIClient]) -> None:
    answer = api_client("webhooks:write").post(ENDPOINTS, {"max_in_flight": 0})

    assert set(refused(answer)) == {"url", "max_in_flight"}
