"""The chat message of an event type that declares none of its own: its title, the data's
fields, a link to the admin page it names."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pytest_django import Settings

from webhooks import EventType, formats
from webhooks.formats import generic, slack
from webhooks.formats.message import Text

ORDER_PAID = EventType(
    "order.paid",
    "An order was paid.",
    title="Order paid",
    colour=0x123456,
    admin_link=lambda data: f"/admin/orders/order/{data['order']['id']}/change/",
)
DATA: dict[str, Any] = {
    "order": {"id": 7, "total": "12.50", "paid": True, "lines": [1, 2], "note": ""},
    "customer": "Ada",
}
PAYLOAD = {"type": "order.paid", "timestamp": "2026-12-08T10:00:00.000000Z", "data": DATA}


def test_it_lists_the_datas_fields_with_the_declared_title_colour_and_link(
    settings: Settings,
) -> None:
    settings.SITE_URL = "https://shop.example.com"
    message = generic.message("order.paid", ORDER_PAID, PAYLOAD, DATA)
    assert (message.title, message.colour) == ("Order paid", 0x123456)
    assert [(fact.label, fact.value) for fact in message.facts] == [
        ("order id", Text.of_user("7")),
        ("order total", Text.of_user("12.50")),
        ("order paid", Text.of_user("yes")),
        ("customer", Text.of_user("Ada")),
    ]
    assert [link.url for link in message.links] == [
        "https://shop.example.com/admin/orders/order/7/change/"
    ]
    assert message.timestamp == PAYLOAD["timestamp"]


def test_an_undeclared_type_reads_as_its_name_with_no_link(settings: Settings) -> None:
    settings.SITE_URL = "https://shop.example.com"
    message = formats.build({**PAYLOAD, "type": "order.lost"})
    assert message.title == "order.lost"
    assert not message.links
    assert "order total" in slack.as_text(slack.render(message))


def test_the_facts_stop_at_ten() -> None:
    many = {f"field{n}": n for n in range(30)}
    unlinked = replace(ORDER_PAID, admin_link=None)
    assert len(generic.message("order.paid", unlinked, PAYLOAD, many).facts) == 10
