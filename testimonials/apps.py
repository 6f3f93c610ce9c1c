from django.apps import AppConfig


class TestimonialsConfig(AppConfig):
    name = "testimonials"
    verbose_name = "Testimonials"
    default_auto_field = "django.db.models.BigAutoField"
