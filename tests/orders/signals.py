"""``order_placed`` (``instance``) when an order is made; ``order_paid`` (``order``,
``amount``) when it is paid."""

from django.dispatch import Signal

order_placed = Signal()
order_paid = Signal()
