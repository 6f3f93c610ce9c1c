"""The benchmark's setting: a scratch configuration, the receiver, the worker processes,
and ways to commit events and wait for them."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.support import Receiver, Worker, wait_until

# WEBHOOKS_TIMEOUT for the run: how long a request to the hanging endpoint lasts.
TIMEOUT = "5"


def configure(workdir: Path) -> None:
    from cryptography.fernet import Fernet

    # Production configuration: DEBUG would keep every query of the worker in memory.
    os.environ.update(
        DATA_DIR=str(workdir),
        DJANGO_SETTINGS_MODULE="settings",
        LOG_LEVEL="WARNING",
        Q_LOG_LEVEL="WARNING",
        WEBHOOKS_ALLOWED_NETWORKS="127.0.0.0/8",  # the receiver, and nothing else private
        WEBHOOKS_TIMEOUT=TIMEOUT,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="localhost",
        WEBHOOKS_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    import django

    django.setup()


class Bench:
    def __init__(self, receiver: Receiver) -> None:
        from testimonials.models import Testimonial

        self.receiver = receiver
        self.workers: list[Worker] = []
        self.Testimonial = Testimonial

    def testimonial(self) -> Any:
        return self.Testimonial.objects.create(
            author_name="Bench", content="A benchmark testimonial, long enough.", rating=5
        )

    def subscribe_only(self, paths: list[str], **fields: Any) -> list[int]:
        """Exactly these receiver paths get new events; returns their endpoint ids."""
        from webhooks.models import WebhookEndpoint

        WebhookEndpoint.objects.update(is_active=False)
        defaults = {"max_in_flight": None, "rate_limit": None, "ordered": False, **fields}
        return [
            WebhookEndpoint.objects.update_or_create(
                url=self.receiver.url(path), defaults={"is_active": True, **defaults}
            )[0].pk
            for path in paths
        ]

    def commit_events(self, count: int, make: Callable[[], Any] | None = None) -> None:
        from django.db import transaction

        for start in range(0, count, 500):
            with transaction.atomic():
                for _ in range(min(500, count - start)):
                    (make or self.testimonial)()

    def start_worker(self, **env: str) -> Worker:
        """One ``qcluster`` (more with ``add_worker``), the others stopped."""
        self.stop_worker()
        return self.add_worker(**env)

    def add_worker(self, **env: str) -> Worker:
        self.workers.append(Worker(**env))
        return self.workers[-1]

    def stop_worker(self) -> None:
        while self.workers:
            self.workers.pop().stop()

    def drain(self) -> None:
        """Nothing pending but what waits for a disabled endpoint."""
        from webhooks.models import WebhookDelivery

        pending = WebhookDelivery.objects.filter(status="pending", endpoint__is_active=True)
        wait_until(lambda: not pending.exists(), 300, "the deliveries to be sent")
