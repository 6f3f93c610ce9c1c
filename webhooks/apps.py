from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connections only: ready() must not touch the database.
        from django.db.models.signals import post_migrate
        from django_q.signals import post_spawn

        from http_api import routes
        from webhooks import checks
        from webhooks.access import scopes  # noqa: F401 - registers the API scopes
        from webhooks.conf import conf
        from webhooks.delivery_log import retention
        from webhooks.event_types import registry
        from webhooks.publishing import receivers
        from webhooks.sending import process
        from webhooks.trust import crypto

        # A key that is not a Fernet key stops every process at start, not at the first
        # secret it should have encrypted.
        crypto.fernet_keys(conf.encryption_keys)

        # The domains' declarations (each installed app's webhook_events module), then
        # one receiver per declared signal.
        registry.discover()
        receivers.connect()
        routes.register("webhooks.api.urls")
        post_spawn.connect(process.start_in_worker, weak=False, dispatch_uid="webhooks:dispatcher")
        checks.register()
        # The schedule that applies WEBHOOKS_RETENTION, after the tables exist.
        post_migrate.connect(retention.ensure_schedule, sender=self, weak=False)
