from django.apps import AppConfig


class TestimonialsConfig(AppConfig):
    name = "testimonials"
    verbose_name = "Testimonials"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The testimonials' API scopes and resources, registered with the shared API app.
        from http_api import routes
        from testimonials.api import scopes  # noqa: F401

        routes.register("testimonials.api.urls")
