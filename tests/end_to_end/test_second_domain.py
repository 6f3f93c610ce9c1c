"""A second domain gets what the testimonials get, with no change in ``webhooks/``
(issue 40): the orders of ``tests/orders``, declared in its ``webhook_events.py`` and
installed by ``tests/orders/settings.py``, run through the real web service, worker and
receiver on a database of their own. Signed deliveries in every format, the catalogue in
the API and the portal, the admin's choices, and payloads only for keys that hold the
scope the orders declare."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from standardwebhooks.webhooks import Webhook

from tests.support.processes import child_env, manage
from tests.support.receiver import Receiver
from tests.support.web_process import gunicorn
from tests.support.worker import StartWorker

# Its own database, which the orders' migration makes: no test database, and so only
# in the SQLite pass (what it proves does not depend on the database).
pytestmark = pytest.mark.slow

FORMATS = ("standard", "cloudevents", "slack", "discord", "teams")
ORDER_TYPES = ["order.placed", "order.paid"]


@pytest.fixture
def orders_env(tmp_path: Path) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.orders.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'orders.sqlite3'}",
        "DATA_DIR": str(tmp_path),
        "WEBHOOKS_ENCRYPTION_KEYS": ",".join(settings.WEBHOOKS_ENCRYPTION_KEYS),
        "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
        "SITE_URL": "https://shop.example.com",
    }
    migrated = manage("migrate", "--noinput", env=child_env(**env))
    assert migrated.returncode == 0, migrated.stderr
    return env


@pytest.fixture
def orders_site(orders_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    # Debug mode: its session and CSRF cookies are not Secure, so they come back over
    # plain HTTP, where the admin and the portal are logged in to here.
    with gunicorn(tmp_path, env={**orders_env, "DJANGO_DEBUG": "true"}) as base:
        yield base


def run(env: dict[str, str], *args: str) -> str:
    done = manage(*args, env=child_env(**env))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def api_key(env: dict[str, str], name: str, *scopes: str) -> dict[str, str]:
    key = run(env, "create_api_key", name, "--scope", *scopes).splitlines()[-1]
    return {"Authorization": f"Bearer {key}"}


def test_orders_are_declared_sent_signed_and_catalogued(
    orders_env: dict[str, str],
    orders_site: str,
    receiver: Receiver,
    start_worker: StartWorker,
) -> None:
    operator = api_key(
        orders_env,
        "operator",
        "webhooks:read",
        "webhooks:write",
        "testimonials:read",
        "orders:read",
    )
    catalogue = httpx.get(f"{orders_site}/api/v1/event-types/", headers=operator).json()
    described = {t["type"]: t for t in catalogue["results"]}
    assert set(ORDER_TYPES) <= set(described)
    assert described["order.placed"]["schema"]["properties"]["order"]["required"] == [
        "id",
        "number",
        "total",
    ]
    assert described["order.paid"]["schema"] == {"type": "object"}

    secrets = {}
    for name in FORMATS:
        made = httpx.post(
            f"{orders_site}/api/v1/endpoints/",
            json={"url": receiver.url(f"/{name}"), "format": name, "event_types": ORDER_TYPES},
            headers=operator,
        )
        assert made.status_code == 201, made.text
        secrets[name] = made.json()["signing_secret"]
    refused = httpx.post(
        f"{orders_site}/api/v1/endpoints/",
        json={"url": receiver.url("/x"), "event_types": ["order.shipped"]},
        headers=operator,
    )
    assert refused.status_code == 400

    order_id = int(run(orders_env, "place_order", "A-1001", "12.50"))
    start_worker(**orders_env)
    receiver.wait_for(lambda seen: len(seen) >= 2 * len(FORMATS), timeout=60)

    for name in FORMATS:
        for request in receiver.at(f"/{name}"):
            Webhook(secrets[name]).verify(request.body, request.headers)
    standard = [json.loads(r.body) for r in receiver.at("/standard")]
    assert {p["type"]: p["data"] for p in standard} == {
        "order.placed": {"order": {"id": order_id, "number": "A-1001", "total": "12.50"}},
        "order.paid": {
            "order": {"id": order_id, "number": "A-1001", "total": "12.50"},
            "amount": "12.50",
        },
    }
    assert "Ada" not in json.dumps(standard)  # the data builder keeps the customer out

    cloudevents = {e["type"]: e for e in (json.loads(r.body) for r in receiver.at("/cloudevents"))}
    assert cloudevents["order.placed"]["subject"] == f"orders/{order_id}"
    assert "subject" not in cloudevents["order.paid"]  # it declares none

    slack = [json.loads(r.body) for r in receiver.at("/slack")]
    text = json.dumps(slack)
    assert "Order placed" in text  # its declared title; order.paid reads as its name
    assert "order.paid" in text
    assert f"https://shop.example.com/admin/orders/order/{order_id}/change/" in text
    for name in ("discord", "teams"):
        assert "Order placed" in json.dumps([json.loads(r.body) for r in receiver.at(f"/{name}")])

    # Payloads only with the scope the orders declare for them, besides the others'.
    without = api_key(orders_env, "reader", "webhooks:read", "testimonials:read")
    events = httpx.get(f"{orders_site}/api/v1/events/", headers=operator).json()["results"]
    assert {e["type"] for e in events} == set(ORDER_TYPES)
    for event in events:
        detail = f"{orders_site}/api/v1/events/{event['id']}/"
        assert httpx.get(detail, headers=operator).json()["payload"]["data"]["order"]
        assert httpx.get(detail, headers=without).json()["payload"] is None


def test_the_portal_and_the_admin_offer_the_orders(
    orders_env: dict[str, str], orders_site: str
) -> None:
    operator = api_key(orders_env, "operator", "webhooks:read", "webhooks:write")
    made = httpx.post(
        f"{orders_site}/api/v1/subscribers/",
        json={"name": "Shop team", "allowed_event_types": ["order.placed"]},
        headers=operator,
    )
    assert made.status_code == 201, made.text
    link = run(orders_env, "create_portal_link", "Shop team").split()[-1]
    with httpx.Client(base_url=orders_site, follow_redirects=True) as portal:
        portal.get(link.replace("https://shop.example.com", orders_site))
        opened = portal.post(
            "/portal/enter/", data={"csrfmiddlewaretoken": portal.cookies["csrftoken"]}
        )
        assert opened.url.path == "/portal/"
        page = portal.get("/portal/events/").text
    assert "order.placed" in page
    assert "An order was placed." in page
    assert "order.paid" not in page  # not allowed to this subscriber

    run(
        {
            **orders_env,
            "DJANGO_SUPERUSER_USERNAME": "admin",
            "DJANGO_SUPERUSER_PASSWORD": "a-long-enough-password",
            "DJANGO_SUPERUSER_EMAIL": "admin@example.com",
        },
        "ensure_admin",
    )
    with httpx.Client(base_url=orders_site, follow_redirects=True) as browser:
        login = browser.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        assert token
        browser.post(
            "/admin/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": "admin",
                "password": "a-long-enough-password",
                "next": "/admin/",
            },
            headers={"Referer": f"{orders_site}/admin/login/"},
        )
        form = browser.get("/admin/webhooks/webhookendpoint/add/").text
    assert 'value="order.placed"' in form
    assert 'value="order.paid"' in form
