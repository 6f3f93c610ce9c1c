"""System checks: a misconfiguration found by ``manage.py check``, not by a failed send."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

from webhooks.conf import conf
from webhooks.exceptions import InvalidDuration
from webhooks.models import MAX_IN_FLIGHT_LIMIT


def check_settings(**_: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    readers: list[tuple[str, Callable[[], object]]] = [
        ("WEBHOOKS_RETRY_SCHEDULE", lambda: conf.retry_schedule),
        ("WEBHOOKS_DISABLE_AFTER", lambda: conf.disable_after),
        ("WEBHOOKS_LEASE", lambda: conf.lease),
        ("WEBHOOKS_POLL_INTERVAL", lambda: conf.poll_interval),
        ("WEBHOOKS_RETRY_AFTER_MAX", lambda: conf.retry_after_max),
        ("WEBHOOKS_SECRET_ROTATION_OVERLAP", lambda: conf.secret_rotation_overlap),
    ]
    for name, read in readers:
        try:
            read()
        except InvalidDuration as exc:
            errors.append(checks.Error(f"{name}: {exc}", id="webhooks.E001"))
    if not 0 <= conf.retry_jitter < 1:
        errors.append(
            checks.Error(
                "WEBHOOKS_RETRY_JITTER must be at least 0 and below 1.", id="webhooks.E002"
            )
        )
    if conf.timeout <= 0 or conf.lease.total_seconds() <= conf.timeout:
        errors.append(
            checks.Error(
                "WEBHOOKS_LEASE must be longer than WEBHOOKS_TIMEOUT (> 0), or a slow "
                "attempt loses its claim and is sent twice.",
                id="webhooks.E003",
            )
        )
    try:
        conf.allowed_networks  # noqa: B018 - parsing is the check
    except ValueError as exc:
        errors.append(checks.Error(f"WEBHOOKS_ALLOWED_NETWORKS: {exc}.", id="webhooks.E005"))
    if conf.max_payload_bytes <= 0:
        errors.append(
            checks.Error("WEBHOOKS_MAX_PAYLOAD_BYTES must be positive.", id="webhooks.E006")
        )
    limits = [
        ("WEBHOOKS_ENDPOINT_MAX_IN_FLIGHT", conf.endpoint_max_in_flight, MAX_IN_FLIGHT_LIMIT),
        ("WEBHOOKS_WORKER_MAX_IN_FLIGHT", conf.worker_max_in_flight, 4096),
        ("WEBHOOKS_CONCURRENCY", conf.concurrency, 4096),
        ("WEBHOOKS_BATCH_SIZE", conf.batch_size, 10_000),
    ]
    for name, value, most in limits:
        if not 1 <= value <= most:
            errors.append(checks.Error(f"{name} must be between 1 and {most}.", id="webhooks.E007"))
    if conf.allow_private_urls and not settings.DEBUG:
        errors.append(
            checks.Warning(
                "WEBHOOKS_ALLOW_PRIVATE_URLS is on in production: anyone who can add an "
                "endpoint can make the workers call your private network.",
                hint="Allow only the networks you need with WEBHOOKS_ALLOWED_NETWORKS.",
                id="webhooks.W001",
            )
        )
    errors += _check_site_url()
    errors += _check_metrics_port()
    q_cluster = getattr(settings, "Q_CLUSTER", {})
    timeout, retry = q_cluster.get("timeout"), q_cluster.get("retry", 60)
    if timeout is not None and retry <= timeout:
        errors.append(
            checks.Error(
                "Q_CLUSTER['retry'] must exceed Q_CLUSTER['timeout'], or the ORM broker "
                "hands a running task to a second worker.",
                id="webhooks.E004",
            )
        )
    return errors


def _check_metrics_port() -> list[checks.CheckMessage]:
    try:
        port = conf.worker_metrics_port
    except (TypeError, ValueError):
        port = -1
    if port is not None and not 0 < port < 65536:
        return [
            checks.Error(
                "WEBHOOKS_WORKER_METRICS_PORT must be a port number (1-65535), or unset.",
                id="webhooks.E009",
            )
        ]
    return []


def _check_site_url() -> list[checks.CheckMessage]:
    site_url = conf.site_url
    parts = urlsplit(site_url)
    if site_url and (parts.scheme not in ("http", "https") or not parts.netloc):
        return [
            checks.Error(
                f"SITE_URL {site_url!r} is not an absolute http(s) URL.",
                hint="e.g. https://shop.example.com",
                id="webhooks.E008",
            )
        ]
    return []


def check_deployment(**_: Any) -> list[checks.CheckMessage]:
    """``check --deploy`` only: worth knowing before going live, noise on every command."""
    if settings.DEBUG:
        return []
    found: list[checks.CheckMessage] = []
    if not conf.site_url:
        found.append(
            checks.Warning(
                "SITE_URL is not set: Slack, Discord and Teams messages carry no link to what "
                "they are about.",
                hint="Set SITE_URL to the address people open the admin at.",
                id="webhooks.W002",
            )
        )
    if not conf.metrics_token:
        found.append(
            checks.Warning(
                "METRICS_TOKEN is not set: /metrics answers 404"
                + (
                    " and qcluster refuses to open WEBHOOKS_WORKER_METRICS_PORT."
                    if conf.worker_metrics_port is not None
                    else "."
                ),
                hint="Set METRICS_TOKEN and give Prometheus the same bearer token.",
                id="webhooks.W003",
            )
        )
    return found


def register() -> None:
    checks.register(check_settings, "webhooks")
    checks.register(check_deployment, "webhooks", deploy=True)
