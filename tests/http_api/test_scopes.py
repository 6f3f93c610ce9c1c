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

from http_api.scopes import SCOPES
from testimonials.models import Testimonial
from tests.support.factories import (
    make_api_key,
    make_category,
    make_delivery,
    make_endpoint,
    make_subscriber,
    make_superuser,
    make_testimonial,
    png_upload,
)
from tests.support.planted import CHAT_TOKEN, HEADER_VALUE, HIDDEN
from webhooks import endpoint_actions
from webhooks.access.delegation import Delegator
from webhooks.models import DeliveryAttempt, WebhookDelivery
from webhooks.sending.attempt import Target, loggable, request_headers
from webhooks.subscribers import links

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # {t} testimonial, {c} category, {e} endpoint, {d} delivery, {v} event
    scope: str
    body: dict[str, Any] | None = None
    multipart: bool = False
    # More scopes it needs: a portal link grants all three webhooks scopes, so minting one
    # needs them (SPEC §10, delegation never exceeds the delegator).
    also: tuple[str, ...] = ()

    @property
    def scopes(self) -> tuple[str, ...]:
        return (self.scope, *self.also)


T_READ, T_WRITE, T_MOD = "testimonials:read", "testimonials:write", "testimonials:moderate"
W_READ, W_WRITE, W_SECRETS = "webhooks:read", "webhooks:write", "webhooks:secrets"
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
    Operation("get", "/api/v1/endpoints/{e}/secret/", W_SECRETS),
    Operation("get", "/api/v1/event-types/", W_READ),
    Operation("get", "/api/v1/events/", W_READ),
    Operation("get", "/api/v1/events/{v}/", W_READ),
    Operation("get", "/api/v1/deliveries/", W_READ),
    Operation("get", "/api/v1/deliveries/{d}/", W_READ),
    Operation("post", "/api/v1/deliveries/{d}/replay/", W_WRITE),
    Operation("post", "/api/v1/deliveries/replay/", W_WRITE, {"dry_run": True}),
    Operation("post", "/api/v1/deliveries/cancel/", W_WRITE, {"dry_run": True}),
    Operation("get", "/api/v1/status/", W_READ),
    Operation("get", "/api/v1/subscribers/", W_READ),
    Operation("post", "/api/v1/subscribers/", W_WRITE, {"name": "Partner team"}),
    Operation("get", "/api/v1/subscribers/{s}/", W_READ),
    Operation("patch", "/api/v1/subscribers/{s}/", W_WRITE, {"max_endpoints": 5}),
    Operation("delete", "/api/v1/subscribers/{s}/", W_WRITE),
    Operation("get", "/api/v1/subscribers/{s}/portal-links/", W_READ),
    Operation(
        "post",
        "/api/v1/subscribers/{s}/portal-links/",
        W_WRITE,
        {"expires": "1d"},
        also=(W_READ, W_SECRETS),
    ),
    Operation("delete", "/api/v1/subscribers/{s}/portal-links/{l}/", W_WRITE),
]


def respond(
    client: APIClient,
    operation: Operation,
    testimonial: Testimonial | None = None,
    delivery: WebhookDelivery | None = None,
) -> Any:
    testimonial, category = testimonial or make_testimonial(), make_category()
    delivery = delivery or make_delivery()
    subscriber = make_subscriber()
    link, _ = links.create(subscriber, Delegator.command_line("test"))
    path = operation.path.format(
        t=testimonial.pk, c=category.pk, e=delivery.endpoint_id, d=delivery.pk,
        v=delivery.event_id, s=subscriber.pk, l=link.pk,
    )  # fmt: skip
    method = getattr(client, operation.method)
    if operation.multipart:
        body = {**(operation.body or {}), "file": png_upload()}
        return method(path, body, format="multipart")
    return method(path, operation.body, format="json")


def call(client: APIClient, operation: Operation) -> int:
    return int(respond(client, operation).status_code)


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
    assert call(api_client(*operation.scopes), operation) in (200, 201, 202, 204)


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op.also], ids=ids)
def test_without_any_scope_it_hands_on_403(
    api_client: Callable[..., APIClient], operation: Operation
) -> None:
    for missing in operation.scopes:
        answer = respond(api_client(*[s for s in operation.scopes if s != missing]), operation)
        assert answer.status_code == 403, missing
        assert missing in answer.json()["detail"] or missing == operation.scope


@pytest.mark.parametrize("operation", OPERATIONS, ids=ids)
def test_revoked_401(api_client: Callable[..., APIClient], operation: Operation) -> None:
    key, raw_key = make_api_key(*operation.scopes, user=make_superuser())
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


# The response column (SPEC §10): what each operation's answer may carry, for a key with
# only the operation's scope, with the read scope of its resource too, and with every
# scope. Each sensitive value is planted where a careless answer would show it.
READ_SCOPE = {"testimonials": T_READ, "categories": T_READ, "endpoints": W_READ}
READ_SCOPE |= {"deliveries": W_READ, "events": W_READ, "event-types": W_READ, "status": W_READ}
READ_SCOPE |= {"subscribers": W_READ}
RECEIPTS = {
    "testimonials": {"id", "slug", "status"},
    "categories": {"id", "slug"},
    # An endpoint's id and state, and what the operation hands out: a new secret, the
    # test delivery's id and status; the names of headers an update dropped.
    "endpoints": {"id", "is_active", "status", "signing_secret", "secret"}
    | {"previous_secret_expires_at", "dropped_headers"},
    "deliveries": {"id", "status", "dry_run", "count", "ids", "skipped"},
    # A subscriber's id and name; a new portal link whole (the operation's product).
    "subscribers": {"id", "name", "url", "state", "expires_at", "created_at", "created_by"}
    | {"revoked_at"},
}


@dataclass
class Planted:
    testimonial: Testimonial
    delivery: WebhookDelivery
    secrets: list[str]


@pytest.fixture
def planted() -> Planted:
    endpoint = make_endpoint(
        url=f"https://hooks.slack.com/services/T000/B000/{CHAT_TOKEN}",
        headers={"X-Team": HEADER_VALUE},
    )
    old_secret = endpoint.secret
    endpoint_actions.rotate_secret(endpoint)
    name, email, company = HIDDEN
    testimonial = make_testimonial(
        is_anonymous=True, author_name=name, author_email=email, company=company
    )
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    target = Target(
        delivery.pk, endpoint.pk, endpoint.url, endpoint.signing_secrets(), endpoint.headers,
        str(delivery.event_id), b"{}", 0,
    )  # fmt: skip
    DeliveryAttempt.objects.create(
        delivery=delivery, number=1, started_at=delivery.created_at, duration_ms=5,
        request_headers=loggable(target, request_headers(target, 1_700_000_000)),
        status_code=500, error="HTTP 500",
    )  # fmt: skip
    return Planted(testimonial, delivery, [old_secret, endpoint.secret])


def key_sets(operation: Operation) -> list[tuple[str, ...]]:
    resource = operation.path.split("/")[3]
    return [operation.scopes, (*operation.scopes, READ_SCOPE[resource]), tuple(SCOPES)]


@pytest.mark.parametrize(
    ("operation", "scopes"),
    [(op, scopes) for op in OPERATIONS for scopes in key_sets(op)],
    ids=lambda value: ids(value) if isinstance(value, Operation) else "+".join(value),
)
def test_an_answer_carries_only_what_the_key_may_read(
    api_client: Callable[..., APIClient],
    planted: Planted,
    operation: Operation,
    scopes: tuple[str, ...],
) -> None:
    answer = respond(api_client(*scopes), operation, planted.testimonial, planted.delivery)
    assert answer.status_code in (200, 201, 202, 204), answer.content
    text = answer.content.decode()

    assert HEADER_VALUE not in text  # nobody, ever
    for secret in planted.secrets:
        assert (secret in text) <= (operation.path.endswith("/secret/")), secret
    assert (CHAT_TOKEN in text) <= ({W_READ, W_WRITE} <= set(scopes))
    for identity in HIDDEN:
        assert (identity in text) <= (T_MOD in scopes), identity
    resource = operation.path.split("/")[3]
    if operation.method != "get" and READ_SCOPE[resource] not in scopes and answer.content:
        assert set(answer.json()) <= RECEIPTS[resource]
