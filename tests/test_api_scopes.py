"""Every operation of the API, with (no key, a key without its scope, a key with it, a revoked
key with it): 401, 403, served, 401."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLResolver, get_resolver
from rest_framework.test import APIClient

from api.scopes import SCOPES
from tests.factories import make_api_key, make_category, make_delivery, make_testimonial, png_upload

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # {t} testimonial, {c} category, {e} endpoint, {d} delivery, {v} event
    scope: str
    body: dict[str, Any] | None = None
    multipart: bool = False


T_READ, T_WRITE, T_MOD = "testimonials:read", "testimonials:write", "testimonials:moderate"
W_READ, W_WRITE = "webhooks:read", "webhooks:write"
NEW_TESTIMONIAL = {"author_name": "Ann", "content": "Helpful and quick.", "rating": 5}

OPERATIONS = [
    Operation("get", "/api/v1/testimonials/", T_READ),
    Operation("post", "/api/v1/testimonials/", T_WRITE, NEW_TESTIMONIAL),
    Operation("get", "/api/v1/testimonials/{t}/", T_READ),
    Operation("patch", "/api/v1/testimonials/{t}/", T_WRITE, {"title": "Edited"}),
    Operation("delete", "/api/v1/testimonials/{t}/", T_WRITE),
    Operation("post", "/api/v1/testimonials/{t}/approve/", T_MOD),
    Operation("post", "/api/v1/testimonials/{t}/reject/", T_MOD, {"reason": "Spam"}),
    Operation("post", "/api/v1/testimonials/{t}/feature/", T_MOD),
    Operation("post", "/api/v1/testimonials/{t}/archive/", T_MOD),
    Operation("post", "/api/v1/testimonials/{t}/respond/", T_MOD, {"response": "Thanks!"}),
    Operation("post", "/api/v1/testimonials/{t}/media/", T_WRITE, {"title": "x"}, True),
    Operation("get", "/api/v1/categories/", T_READ),
    Operation("post", "/api/v1/categories/", T_WRITE, {"name": "Support"}),
    Operation("get", "/api/v1/categories/{c}/", T_READ),
    Operation("patch", "/api/v1/categories/{c}/", T_WRITE, {"description": "x"}),
    Operation("delete", "/api/v1/categories/{c}/", T_WRITE),
    Operation("get", "/api/v1/endpoints/", W_READ),
    Operation("post", "/api/v1/endpoints/", W_WRITE, {"url": "https://hooks.example.com/x"}),
    Operation("get", "/api/v1/endpoints/{e}/", W_READ),
    Operation("patch", "/api/v1/endpoints/{e}/", W_WRITE, {"description": "CRM"}),
    Operation("delete", "/api/v1/endpoints/{e}/", W_WRITE),
    Operation("post", "/api/v1/endpoints/{e}/rotate-secret/", W_WRITE, {"overlap": "1h"}),
    Operation("post", "/api/v1/endpoints/{e}/send-test/", W_WRITE),
    Operation("post", "/api/v1/endpoints/{e}/enable/", W_WRITE),
    Operation("post", "/api/v1/endpoints/{e}/disable/", W_WRITE),
    Operation("get", "/api/v1/endpoints/{e}/secret/", W_WRITE),
    Operation("get", "/api/v1/event-types/", W_READ),
    Operation("get", "/api/v1/events/", W_READ),
    Operation("get", "/api/v1/events/{v}/", W_READ),
    Operation("get", "/api/v1/deliveries/", W_READ),
    Operation("get", "/api/v1/deliveries/{d}/", W_READ),
    Operation("post", "/api/v1/deliveries/{d}/replay/", W_WRITE),
    Operation("post", "/api/v1/deliveries/replay/", W_WRITE, {"dry_run": True}),
    Operation("get", "/api/v1/status/", W_READ),
]


def call(client: APIClient, operation: Operation) -> int:
    testimonial, category = make_testimonial(), make_category()
    delivery = make_delivery()
    path = operation.path.format(
        t=testimonial.pk, c=category.pk, e=delivery.endpoint_id, d=delivery.pk,
        v=delivery.event_id,
    )  # fmt: skip
    method = getattr(client, operation.method)
    if operation.multipart:
        body = {**(operation.body or {}), "file": png_upload()}
        return int(method(path, body, format="multipart").status_code)
    return int(method(path, operation.body, format="json").status_code)


def ids(operation: Operation) -> str:
    return f"{operation.method.upper()} {operation.path}"


@pytest.mark.parametrize("operation", OPERATIONS, ids=ids)
def test_without_a_key_401(api_client: Callable[..., APIClient], operation: Operation) -> None:
    assert call(api_client(key=None), operation) == 401


@pytest.mark.parametrize("operation", OPERATIONS, ids=ids)
def test_with_every_other_scope_403(
    api_client: Callable[..., APIClient], operation: Operation
) -> None:
    others = [scope for scope in SCOPES if scope != operation.scope]
    assert call(api_client(*others), operation) == 403


@pytest.mark.parametrize("operation", OPERATIONS, ids=ids)
def test_with_its_scope_served(api_client: Callable[..., APIClient], operation: Operation) -> None:
    assert call(api_client(operation.scope), operation) in (200, 201, 202, 204)


@pytest.mark.parametrize("operation", OPERATIONS, ids=ids)
def test_revoked_401(api_client: Callable[..., APIClient], operation: Operation) -> None:
    key, raw_key = make_api_key(operation.scope)
    key.revoke()
    assert call(api_client(key=raw_key), operation) == 401


def test_the_matrix_covers_every_api_route() -> None:
    """A new route without a row here fails, so nobody adds an operation unchecked."""

    def routes(resolver: URLResolver, prefix: str = "") -> set[str]:
        found = set()
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                found |= routes(pattern, prefix + str(pattern.pattern))
            else:
                found.add(prefix + str(pattern.pattern))
        return found

    api_routes = {
        r.removeprefix("api/v1/") for r in routes(get_resolver()) if r.startswith("api/v1/")
    }
    shape = re.compile(r"\(\?P<\w+>[^)]*\)|<[\w:]+>|\{\w\}")
    listed = {shape.sub("{x}", op.path.removeprefix("/api/v1/")) for op in OPERATIONS}
    served = {shape.sub("{x}", route).replace("^", "").replace("$", "") for route in api_routes}
    assert served == listed
