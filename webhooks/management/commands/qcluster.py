"""django-q2's ``qcluster``, plus the workers' metrics port (WEBHOOKS_WORKER_METRICS_PORT).

It replaces django-q2's command of the same name (``webhooks`` comes before ``django_q``
in INSTALLED_APPS) so that ``manage.py qcluster`` stays the one way to start workers.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django_q.management.commands.qcluster import Command as ClusterCommand

from webhooks.conf import conf
from webhooks.delivery_log import retention
from webhooks.metrics import directories, worker_port


class Command(ClusterCommand):  # type: ignore[misc]  # django-q2 ships no types
    help = (
        "Starts the django-q2 cluster; each worker process runs a webhook dispatcher. "
        "With WEBHOOKS_WORKER_METRICS_PORT set, serves their metrics on that port."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        retention.ensure_schedule()  # a database migrated before the schedule existed
        port = conf.worker_metrics_port
        if port is not None:
            self._serve_metrics(port)
        super().handle(*args, **options)

    def _serve_metrics(self, port: int) -> None:
        cluster_dir = directories.current()
        if cluster_dir is None:
            raise CommandError(
                "WEBHOOKS_WORKER_METRICS_PORT is set but the workers do not count into "
                "files: start it with manage.py, which calls "
                "webhooks.metrics.directories.prepare() before prometheus_client is imported."
            )
        if not conf.metrics_token and not settings.DEBUG:
            raise CommandError(
                "WEBHOOKS_WORKER_METRICS_PORT is set but METRICS_TOKEN is not: in production "
                "the metrics port asks for a bearer token. Set METRICS_TOKEN."
            )
        try:
            worker_port.start(conf.worker_metrics_address, port, cluster_dir)
        except OSError as exc:
            raise CommandError(
                f"WEBHOOKS_WORKER_METRICS_PORT={port}: cannot listen on "
                f"{conf.worker_metrics_address}:{port} ({exc})"
            ) from None
