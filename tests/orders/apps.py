from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "tests.orders"
    label = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from http_api import scopes

        # What keys need to read orders, and webhook payloads about them.
        scopes.register("orders:read", "read orders", ("orders.view_order",))
