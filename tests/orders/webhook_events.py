"""The orders' event types: one declared in full, one with only what is required."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.urls import reverse

from tests.orders import signals
from tests.orders.models import Order
from webhooks import EventType, register
from webhooks.event_types.schemas import closed, event_data


def order_data(order: Order, arguments: Mapping[str, Any]) -> dict[str, Any]:
    # The customer is personal: receivers get a number, never the name.
    return {"order": {"id": order.pk, "number": order.number, "total": str(order.total)}}


def paid_data(order: Order, arguments: Mapping[str, Any]) -> dict[str, Any]:
    return {**order_data(order, arguments), "amount": str(arguments["amount"])}


def order_id(data: Mapping[str, Any]) -> int:
    return int(data["order"]["id"])


def sample(moment: datetime) -> dict[str, Any]:
    return order_data(Order(pk=1, number="A-0001", customer="Ada", total="12.50"), {})


ORDER = closed(
    "The order.",
    id={"type": "integer"},
    number={"type": "string"},
    total={"type": "string", "pattern": r"^\d+\.\d\d$"},
)

register(
    EventType(
        "order.placed",
        "An order was placed.",
        signal=signals.order_placed,
        data=order_data,
        schema=event_data("An order was placed.", order=ORDER),
        title="Order placed",
        colour=0x2F80ED,
        subject=lambda data: f"orders/{order_id(data)}",
        admin_link=lambda data: reverse("admin:orders_order_change", args=[order_id(data)]),
        sample=sample,
        read_scope="orders:read",
    ),
    EventType(
        "order.paid",
        "An order was paid.",
        signal=signals.order_paid,
        argument="order",
        data=paid_data,
    ),
)
