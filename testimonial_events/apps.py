from django.apps import AppConfig


class TestimonialEventsConfig(AppConfig):
    """Its ``webhook_events`` module is imported by ``webhooks`` when apps load."""

    name = "testimonial_events"
    verbose_name = "Testimonial webhook events"
