from django.apps import AppConfig


class ApiConfig(AppConfig):
    """What the HTTP API's apps share: keys and their scopes, authentication, throttles,
    pagination, errors, and the schema. The resources live in ``testimonials/api`` and
    ``webhooks/api``."""

    name = "api"
    verbose_name = "HTTP API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the OpenAPI description of Bearer keys with drf-spectacular.
        from api import schema  # noqa: F401
