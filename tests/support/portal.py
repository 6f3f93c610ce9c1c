"""Portal helpers: a subscriber with its link, and every portal route with the ids it
takes, for the isolation matrix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client

from tests.support.factories import make_delivery, make_endpoint, make_subscriber
from webhooks.access.delegation import Delegator
from webhooks.models import PortalLink, Subscriber, WebhookDelivery, WebhookEndpoint
from webhooks.subscribers import links


@dataclass
class Team:
    subscriber: Subscriber
    link: PortalLink
    enter_path: str
    endpoint: WebhookEndpoint
    delivery: WebhookDelivery


def make_team(name: str, **subscriber_fields: Any) -> Team:
    """A subscriber with one endpoint, one failed delivery to it, and a portal link."""
    subscriber = make_subscriber(name, **subscriber_fields)
    endpoint = make_endpoint(
        f"https://hooks.example.com/{name.lower().replace(' ', '-')}",
        description=f"{name} endpoint",
        subscriber=subscriber,
        event_types=list(subscriber.allowed_event_types),
    )
    delivery = make_delivery(endpoint, status="failed", attempts=1)
    link, path = links.create(subscriber, Delegator.command_line("tests"))
    return Team(subscriber, link, path, endpoint, delivery)


def entered(client: Client, team: Team) -> Client:
    """``client`` in the team's portal: its link opened, and the portal opened from the
    page the link leads to."""
    offered = client.get(team.enter_path)
    assert offered.status_code == 302, offered
    asked = client.get(offered["Location"])
    assert asked.status_code == 200, asked
    token = client.cookies["csrftoken"].value  # set by the page's form
    opened = client.post(offered["Location"], {"csrfmiddlewaretoken": token})
    assert opened.status_code == 302, opened
    assert opened["Location"] == "/portal/"
    return client


# Every portal route: (method, path template with {e} endpoint and {d} delivery, form).
ROUTES: list[tuple[str, str, dict[str, str]]] = [
    ("get", "/portal/", {}),
    ("get", "/portal/events/", {}),
    ("get", "/portal/endpoints/new/", {}),
    ("post", "/portal/endpoints/new/", {"url": "https://hooks.example.com/new"}),
    ("get", "/portal/endpoints/{e}/", {}),
    ("post", "/portal/endpoints/{e}/", {"url": "https://hooks.example.com/moved"}),
    ("get", "/portal/endpoints/{e}/delete/", {}),
    ("post", "/portal/endpoints/{e}/delete/", {}),
    ("get", "/portal/endpoints/{e}/preview/", {}),
    ("get", "/portal/endpoints/{e}/rotate-secret/", {}),
    ("post", "/portal/endpoints/{e}/rotate-secret/", {"overlap": "1h"}),
    ("post", "/portal/endpoints/{e}/reveal-secret/", {}),
    ("post", "/portal/endpoints/{e}/send-test/", {}),
    ("post", "/portal/endpoints/{e}/enable/", {}),
    ("get", "/portal/endpoints/{e}/deliveries/", {}),
    ("post", "/portal/endpoints/{e}/replay-failed/", {"since": "2020-01-01T00:00"}),
    ("get", "/portal/deliveries/{d}/", {}),
    ("post", "/portal/deliveries/{d}/replay/", {}),
]
# Routes about one object: another subscriber's id must be a 404.
OBJECT_ROUTES = [route for route in ROUTES if "{" in route[1]]
