"""What ``webhooks.register`` accepts: the rules a domain's declarations meet, said when
apps load rather than at the first event."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

from webhooks import EventType, register
from webhooks.event_types import registry
from webhooks.event_types.builtin import TEST_EVENT


def data(instance: Any, arguments: Any) -> dict[str, Any]:
    return {"order": {"id": instance}}


@pytest.mark.parametrize("name", ["Order.paid", "order", "order.", ".paid", "order paid.x", ""])
def test_a_name_is_lowercase_words_joined_by_dots(name: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="lowercase words joined by dots"):
        EventType(name, "Something happened.")


def test_names_may_have_several_words_and_underscores() -> None:
    assert EventType("order.item_added", "An item was added.").heading == "order.item_added"
    assert EventType("shop.order.paid", "Paid.", title="Order paid").heading == "Order paid"


def test_a_signal_and_its_data_go_together() -> None:
    with pytest.raises(ImproperlyConfigured, match="go together"):
        EventType("order.paid", "An order was paid.", signal=Signal())
    with pytest.raises(ImproperlyConfigured, match="go together"):
        EventType("order.paid", "An order was paid.", data=data)


@pytest.mark.parametrize("name", [TEST_EVENT, *registry.OPERATIONAL_EVENTS])
def test_webhooks_own_types_are_not_a_domains_to_declare(name: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="of webhooks' own"):
        register(EventType(name, "Mine now."))
    own = registry.get(name)
    assert own is not None
    assert own.description != "Mine now."


def test_declaring_a_type_again_is_harmless_and_another_under_its_name_is_refused() -> None:
    declared = registry.get("testimonial.created")
    assert declared is not None
    register(declared)
    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        register(replace(declared, description="Something else."))
    assert registry.get("testimonial.created") is declared


def test_the_catalogue_lists_the_domains_types_then_webhooks_own() -> None:
    names = registry.names()
    domain = [t.name for t in registry.domain_types()]
    assert names[: len(domain)] == tuple(domain)
    assert names[len(domain) :] == (TEST_EVENT, *registry.OPERATIONAL_EVENTS)
    assert registry.all_events() == (*domain, TEST_EVENT)
    assert list(registry.CHOICES) == registry.choices() == [(n, n) for n in names]


def test_a_domain_that_declares_a_read_scope_guards_payloads_with_it() -> None:
    assert registry.read_scopes() == {"testimonials:read"}
