"""Numbers no column can hold, anywhere a client can put one: a 4xx, never a 500 (the
database driver overflows on them). Found by schemathesis; kept here as plain cases."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from tests.support.factories import make_endpoint

pytestmark = pytest.mark.django_db

HUGE = 10**23
BODY = {"author_name": "Ann", "content": "Long enough to be valid.", "rating": 3}

CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", f"/api/v1/testimonials/{HUGE}/", None),
    ("get", f"/api/v1/deliveries/{HUGE}/", None),
    ("get", f"/api/v1/endpoints/{HUGE}/", None),
    ("post", f"/api/v1/testimonials/{HUGE}/approve/", None),
    ("get", f"/api/v1/testimonials/?category={HUGE}", None),
    ("get", "/api/v1/testimonials/?category=-1.7976931348623157e%2B308", None),
    ("get", "/api/v1/testimonials/?rating=204358", None),
    ("get", "/api/v1/testimonials/?rating_min=1e400", None),
    ("get", f"/api/v1/deliveries/?endpoint={HUGE}", None),
    ("get", "/api/v1/deliveries/?cursor=zzz", None),
    ("get", "/api/v1/events/?since=99999-01-01", None),
    ("post", "/api/v1/deliveries/replay/", {"delivery": [HUGE]}),
    ("post", "/api/v1/deliveries/replay/", {"endpoint": HUGE}),
    ("post", "/api/v1/deliveries/replay/", {"limit": HUGE}),
    ("post", "/api/v1/testimonials/", {**BODY, "category": HUGE}),
    ("post", "/api/v1/testimonials/", {**BODY, "rating": HUGE}),
    ("post", "/api/v1/categories/", {"name": "x", "order": HUGE}),
    ("post", "/api/v1/endpoints/", {"url": "https://a.example.com/", "max_in_flight": HUGE}),
]


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_out_of_range_numbers_are_client_errors(
    api_client: Callable[..., APIClient], method: str, path: str, body: dict[str, Any] | None
) -> None:
    answer = getattr(api_client(), method)(path, body, format="json")
    assert 400 <= answer.status_code < 500, answer.content[:300]


def test_replay_webhooks_refuses_them_too() -> None:
    with pytest.raises(CommandError, match="--delivery: '1" + "0" * 23 + "' is larger than"):
        call_command("replay_webhooks", "--delivery", str(HUGE))


@pytest.mark.parametrize("path", ["/api/v1/deliveries/", "/api/v1/events/"])
@pytest.mark.parametrize("since", ["0383-05-21T21:43:27-22:03", "0001-01-01T00:00+05:00"])
def test_a_time_with_an_offset_no_database_holds_is_compared_in_utc(
    api_client: Callable[..., APIClient], path: str, since: str
) -> None:
    """Python takes UTC offsets up to a day; PostgreSQL refused -22:03 with a 500."""
    answer = api_client("webhooks:read").get(path, {"since": since})

    assert answer.status_code == 200, answer.content


def test_a_replay_selection_with_such_an_offset_is_not_a_500(
    api_client: Callable[..., APIClient],
) -> None:
    answer = api_client("webhooks:write", "webhooks:read").post(
        "/api/v1/deliveries/replay/",
        {"since": "0383-05-21T21:43:27-22:03", "dry_run": True},
        format="json",
    )

    assert answer.status_code < 500, answer.content


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


TAMPERED_CURSORS = [
    ("/api/v1/deliveries/", _cursor("p=abc")),
    ("/api/v1/endpoints/", _cursor("p=1e999")),
    ("/api/v1/endpoints/", _cursor(f"p={HUGE}")),
    ("/api/v1/events/", _cursor("p=yesterday")),
    ("/api/v1/testimonials/", _cursor("o=-3")),
    ("/api/v1/deliveries/", "zzz"),
]


@pytest.mark.parametrize(("path", "cursor"), TAMPERED_CURSORS)
def test_a_cursor_that_is_no_position_is_a_400_problem(
    api_client: Callable[..., APIClient], path: str, cursor: str
) -> None:
    answer = api_client().get(path, {"cursor": cursor})

    assert answer.status_code == 400, answer.content[:300]
    assert answer["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert problem["errors"][0]["field"] == "cursor"
    assert "start from the first page" in problem["errors"][0]["detail"]


def test_a_real_cursor_still_pages(api_client: Callable[..., APIClient]) -> None:
    api = api_client()
    for number in range(3):
        make_endpoint(f"https://hooks.example.com/{number}")
    first = api.get("/api/v1/endpoints/", {"page_size": 2}).json()
    following = api.get(first["next"]).json()

    assert len(first["results"]) == 2
    assert len(following["results"]) == 1
    assert following["results"][0]["id"] > first["results"][1]["id"]
