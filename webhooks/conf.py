"""The webhooks app's settings, one property each, read when used (so
``override_settings`` works) and parsed into the types the code wants.

``settings/__init__.py`` sets one from its environment variable when that is given;
otherwise ``DEFAULTS`` below applies.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from functools import cache
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from pathlib import Path
from typing import Any

from django.conf import settings

from webhooks.durations import parse_duration, parse_durations

DEFAULT_RETRY_SCHEDULE = "5s,5m,30m,2h,5h,10h,14h,20h,24h"


@cache
def _distribution() -> tuple[str, str]:
    """The name and version of the distribution ``webhooks`` was installed with (this
    service's, or the ``webhooks`` wheel in another project): the sender's name."""
    for name in packages_distributions().get(__package__ or "webhooks", []):
        try:
            return name, version(name)
        except PackageNotFoundError:  # pragma: no cover - metadata without a version
            continue
    return "webhooks", "dev"  # pragma: no cover - running from an uninstalled tree


# Every setting's default, and the only place one is written: the settings module sets a
# name only when its environment variable is given, and the documented tables are
# tested against this. A callable is a default that depends on DEBUG.
DEFAULTS: dict[str, Any] = {
    "WEBHOOKS_TIMEOUT": 15,
    "WEBHOOKS_CONNECT_TIMEOUT": 5,
    "WEBHOOKS_RETRY_SCHEDULE": DEFAULT_RETRY_SCHEDULE,
    "WEBHOOKS_RETRY_JITTER": 0.2,
    "WEBHOOKS_RETRY_AFTER_MAX": "1d",
    "WEBHOOKS_DISABLE_AFTER": "5d",
    "WEBHOOKS_DISABLE_AFTER_FAILURES": 5,
    "WEBHOOKS_FAILING_AFTER": 3,
    "WEBHOOKS_ENCRYPTION_KEYS": [],
    "WEBHOOKS_SECRET_ROTATION_OVERLAP": "24h",
    # Development receivers run on this machine; production ones must not.
    "WEBHOOKS_ALLOW_PRIVATE_URLS": lambda: bool(settings.DEBUG),
    "WEBHOOKS_ALLOWED_NETWORKS": [],
    "WEBHOOKS_POLL_INTERVAL": "0.1s",
    "WEBHOOKS_BATCH_SIZE": 100,
    "WEBHOOKS_CONCURRENCY": 32,
    "WEBHOOKS_ENDPOINT_MAX_IN_FLIGHT": 20,
    "WEBHOOKS_WORKER_MAX_IN_FLIGHT": 64,
    "WEBHOOKS_LEASE": "30s",
    "WEBHOOKS_MAX_PAYLOAD_BYTES": 256 * 1024,
    "WEBHOOKS_MAX_RESPONSE_BYTES": 64 * 1024,
    "WEBHOOKS_RESPONSE_EXCERPT_BYTES": 4096,
    # make run's admin, so chat messages link somewhere in development.
    "SITE_URL": lambda: "http://127.0.0.1:8000" if settings.DEBUG else "",
    "METRICS_TOKEN": "",
    "METRICS_DIR": lambda: Path(settings.DATA_DIR) / "metrics",
    "WEBHOOKS_WORKER_METRICS_PORT": None,
    "WEBHOOKS_WORKER_METRICS_ADDRESS": "0.0.0.0",  # noqa: S104 - scraped from elsewhere
    "PORTAL_LINK_TTL": "7d",
    "WEBHOOKS_RETENTION": "30d",
    # None: as long as WEBHOOKS_RETENTION.
    "WEBHOOKS_RETENTION_FAILED": None,
    "PORTAL_FRAME_ANCESTORS": "'none'",
}

# A portal link is a bearer credential: it must not outlive a month.
PORTAL_LINK_TTL_MAX = timedelta(days=30)


def default(name: str) -> Any:
    value = DEFAULTS[name]
    return value() if callable(value) else value


def _setting(name: str) -> Any:
    return getattr(settings, name) if hasattr(settings, name) else default(name)


def _duration(value: str | float | timedelta) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    return parse_duration(value)


class WebhooksSettings:
    @property
    def timeout(self) -> float:
        """Seconds for a whole attempt: connecting, sending, waiting, reading."""
        return float(_setting("WEBHOOKS_TIMEOUT"))

    @property
    def connect_timeout(self) -> float:
        return min(self.timeout, float(_setting("WEBHOOKS_CONNECT_TIMEOUT")))

    @property
    def retry_schedule(self) -> list[timedelta]:
        value = _setting("WEBHOOKS_RETRY_SCHEDULE")
        if isinstance(value, str):
            return parse_durations(value)
        return [_duration(item) for item in value]

    @property
    def retry_jitter(self) -> float:
        """Each delay is drawn from ±this fraction around the scheduled one."""
        return float(_setting("WEBHOOKS_RETRY_JITTER"))

    @property
    def retry_after_max(self) -> timedelta:
        """The longest ``Retry-After`` a receiver can impose."""
        return _duration(_setting("WEBHOOKS_RETRY_AFTER_MAX"))

    @property
    def disable_after(self) -> timedelta:
        return _duration(_setting("WEBHOOKS_DISABLE_AFTER"))

    @property
    def disable_after_failures(self) -> int:
        return int(_setting("WEBHOOKS_DISABLE_AFTER_FAILURES"))

    @property
    def failing_after(self) -> int:
        """Failed tries in a row after which ``endpoint.failing`` warns, once a streak."""
        return max(1, int(_setting("WEBHOOKS_FAILING_AFTER")))

    @property
    def encryption_keys(self) -> list[str]:
        return list(_setting("WEBHOOKS_ENCRYPTION_KEYS"))

    @property
    def secret_rotation_overlap(self) -> timedelta:
        return _duration(_setting("WEBHOOKS_SECRET_ROTATION_OVERLAP"))

    @property
    def allow_private_urls(self) -> bool:
        return bool(_setting("WEBHOOKS_ALLOW_PRIVATE_URLS"))

    @property
    def allowed_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        networks = _setting("WEBHOOKS_ALLOWED_NETWORKS")
        return [ipaddress.ip_network(n, strict=False) for n in networks]

    @property
    def poll_interval(self) -> float:
        """Seconds an idle dispatcher waits before looking for due deliveries again."""
        return _duration(_setting("WEBHOOKS_POLL_INTERVAL")).total_seconds()

    @property
    def batch_size(self) -> int:
        """Deliveries a dispatcher reads at once for one endpoint."""
        return int(_setting("WEBHOOKS_BATCH_SIZE"))

    @property
    def concurrency(self) -> int:
        """Endpoints one dispatcher serves at the same time. 32, two threads each of
        WEBHOOKS_WORKER_MAX_IN_FLIGHT: with 16, 10,000 deliveries spread over 500
        endpoints went out at 0.6-0.7 x the rate of the same over 10 (each endpoint
        waits for a place, then ramps up from one request); with 32, 0.9."""
        return int(_setting("WEBHOOKS_CONCURRENCY"))

    @property
    def endpoint_max_in_flight(self) -> int:
        """Requests in flight to one endpoint, for endpoints that do not set their own."""
        return int(_setting("WEBHOOKS_ENDPOINT_MAX_IN_FLIGHT"))

    @property
    def worker_max_in_flight(self) -> int:
        """Requests one dispatcher has in flight at most, over all its endpoints (its
        sender threads), shared among them round-robin."""
        return int(_setting("WEBHOOKS_WORKER_MAX_IN_FLIGHT"))

    @property
    def lease(self) -> timedelta:
        """How long a claim holds without renewal: a dead dispatcher's work is taken
        over after at most this long."""
        return _duration(_setting("WEBHOOKS_LEASE"))

    @property
    def max_payload_bytes(self) -> int:
        """The largest request body an event may have; a larger one is not recorded."""
        return int(_setting("WEBHOOKS_MAX_PAYLOAD_BYTES"))

    @property
    def max_response_bytes(self) -> int:
        """Read at most this much of a response body; the rest is never downloaded."""
        return int(_setting("WEBHOOKS_MAX_RESPONSE_BYTES"))

    @property
    def response_excerpt_bytes(self) -> int:
        """How much of the response body an attempt record keeps."""
        return int(_setting("WEBHOOKS_RESPONSE_EXCERPT_BYTES"))

    @property
    def site_url(self) -> str:
        """Where this service is reached, e.g. ``https://shop.example.com``: links
        in chat messages point there. Empty: messages carry no links."""
        return str(_setting("SITE_URL")).rstrip("/")

    @property
    def metrics_token(self) -> str:
        """The bearer token ``/metrics`` and the workers' metrics port ask for."""
        return str(_setting("METRICS_TOKEN"))

    @property
    def metrics_dir(self) -> Path:
        """Where qcluster and gunicorn processes keep their counters (multiprocess)."""
        return Path(_setting("METRICS_DIR"))

    @property
    def worker_metrics_port(self) -> int | None:
        """The port a qcluster serves its workers' metrics on; None: it does not, and
        ``/metrics`` on the same host includes them."""
        port = _setting("WEBHOOKS_WORKER_METRICS_PORT")
        return None if port in (None, "") else int(port)

    @property
    def worker_metrics_address(self) -> str:
        return str(_setting("WEBHOOKS_WORKER_METRICS_ADDRESS"))

    @property
    def portal_link_ttl(self) -> timedelta:
        """How long a new portal link works when its maker names no time (at most 30 days)."""
        return min(_duration(_setting("PORTAL_LINK_TTL")), PORTAL_LINK_TTL_MAX)

    @property
    def portal_frame_ancestors(self) -> str:
        """The CSP ``frame-ancestors`` sources of portal pages: who may embed them."""
        return str(_setting("PORTAL_FRAME_ANCESTORS")).strip() or "'none'"

    @property
    def retention(self) -> timedelta | None:
        """How long finished deliveries stay in the log; None (``0``): for ever."""
        kept = _duration(_setting("WEBHOOKS_RETENTION"))
        return kept or None

    @property
    def retention_failed(self) -> timedelta | None:
        """How long failed and cancelled deliveries stay; unset: as long as the others."""
        value = _setting("WEBHOOKS_RETENTION_FAILED")
        if value in (None, ""):
            return self.retention
        return _duration(value) or None

    @property
    def sender_name(self) -> str:
        """Who sends: the distribution's name (the CloudEvents source without SITE_URL)."""
        return _distribution()[0]

    @property
    def user_agent(self) -> str:
        name, release = _distribution()
        return f"{name}/{release} (Standard Webhooks)"


conf = WebhooksSettings()
