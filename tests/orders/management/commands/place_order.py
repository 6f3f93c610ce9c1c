"""``manage.py place_order NUMBER TOTAL``: an order is placed, then paid; each step sends
its signal in the transaction that made it, as a domain's changes do."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from tests.orders import signals
from tests.orders.models import Order


class Command(BaseCommand):
    help = "Place an order and pay it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number")
        parser.add_argument("total", type=Decimal)

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            order = Order._default_manager.create(
                number=options["number"], customer="Ada Lovelace", total=options["total"]
            )
            signals.order_placed.send(sender=Order, instance=order)
        with transaction.atomic():
            order.paid_at = timezone.now()
            order.save()
            signals.order_paid.send(sender=Order, order=order, amount=order.total)
        self.stdout.write(str(order.pk))
