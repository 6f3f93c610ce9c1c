"""The webhooks app's settings, one property each, read when used (so
``override_settings`` works) and parsed into the types the code wants.

``settings/__init__.py`` fills them from ``WEBHOOKS_*`` environment variables.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.conf import settings

from webhooks.durations import parse_duration, parse_durations

DEFAULT_RETRY_SCHEDULE = "5s,5m,30m,2h,5h,10h,14h,20h,24h"


@cache
def _release() -> str:
    try:
        return version("testimonial-webhooks")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "dev"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


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
        return float(_setting("WEBHOOKS_TIMEOUT", 15))

    @property
    def connect_timeout(self) -> float:
        return min(self.timeout, float(_setting("WEBHOOKS_CONNECT_TIMEOUT", 5)))

    @property
    def retry_schedule(self) -> list[timedelta]:
        value = _setting("WEBHOOKS_RETRY_SCHEDULE", DEFAULT_RETRY_SCHEDULE)
        if isinstance(value, str):
            return parse_durations(value)
        return [_duration(item) for item in value]

    @property
    def retry_jitter(self) -> float:
        """Each delay is drawn from ±this fraction around the scheduled one."""
        return float(_setting("WEBHOOKS_RETRY_JITTER", 0.2))

    @property
    def retry_after_max(self) -> timedelta:
        """The longest ``Retry-After`` a receiver can impose."""
        return _duration(_setting("WEBHOOKS_RETRY_AFTER_MAX", "1d"))

    @property
    def disable_after(self) -> timedelta:
        return _duration(_setting("WEBHOOKS_DISABLE_AFTER", "5d"))

    @property
    def disable_after_failures(self) -> int:
        return int(_setting("WEBHOOKS_DISABLE_AFTER_FAILURES", 5))

    @property
    def encryption_keys(self) -> list[str]:
        return list(_setting("WEBHOOKS_ENCRYPTION_KEYS", []))

    @property
    def secret_rotation_overlap(self) -> timedelta:
        return _duration(_setting("WEBHOOKS_SECRET_ROTATION_OVERLAP", "24h"))

    @property
    def allow_private_urls(self) -> bool:
        return bool(_setting("WEBHOOKS_ALLOW_PRIVATE_URLS", False))

    @property
    def allowed_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        networks = _setting("WEBHOOKS_ALLOWED_NETWORKS", [])
        return [ipaddress.ip_network(n, strict=False) for n in networks]

    @property
    def poll_interval(self) -> float:
        """Seconds an idle dispatcher waits before looking for due deliveries again."""
        return _duration(_setting("WEBHOOKS_POLL_INTERVAL", "0.1s")).total_seconds()

    @property
    def batch_size(self) -> int:
        """Deliveries a dispatcher reads at once for one endpoint."""
        return int(_setting("WEBHOOKS_BATCH_SIZE", 100))

    @property
    def concurrency(self) -> int:
        """Endpoints one dispatcher serves at the same time. 32, two threads each of
        WEBHOOKS_WORKER_MAX_IN_FLIGHT: with 16, 10,000 deliveries spread over 500
        endpoints went out at 0.6-0.7 x the rate of the same over 10 (each endpoint
        waits for a place, then ramps up from one request); with 32, 0.9."""
        return int(_setting("WEBHOOKS_CONCURRENCY", 32))

    @property
    def endpoint_max_in_flight(self) -> int:
        """Requests in flight to one endpoint, for endpoints that do not set their own."""
        return int(_setting("WEBHOOKS_ENDPOINT_MAX_IN_FLIGHT", 20))

    @property
    def worker_max_in_flight(self) -> int:
        """Requests one dispatcher has in flight at most, over all its endpoints (its
        sender threads), shared among them round-robin."""
        return int(_setting("WEBHOOKS_WORKER_MAX_IN_FLIGHT", 64))

    @property
    def lease(self) -> timedelta:
        """How long a claim holds without renewal: a dead dispatcher's work is taken
        over after at most this long."""
        return _duration(_setting("WEBHOOKS_LEASE", "30s"))

    @property
    def max_payload_bytes(self) -> int:
        """The largest request body an event may have; a larger one is not recorded."""
        return int(_setting("WEBHOOKS_MAX_PAYLOAD_BYTES", 256 * 1024))

    @property
    def max_response_bytes(self) -> int:
        """Read at most this much of a response body; the rest is never downloaded."""
        return int(_setting("WEBHOOKS_MAX_RESPONSE_BYTES", 64 * 1024))

    @property
    def response_excerpt_bytes(self) -> int:
        """How much of the response body an attempt record keeps."""
        return int(_setting("WEBHOOKS_RESPONSE_EXCERPT_BYTES", 4096))

    @property
    def site_url(self) -> str:
        """Where this service is reached, e.g. ``https://testimonials.example.com``: links
        in chat messages point there. Empty: messages carry no links."""
        return str(_setting("SITE_URL", "")).rstrip("/")

    @property
    def metrics_token(self) -> str:
        """The bearer token ``/metrics`` and the workers' metrics port ask for."""
        return str(_setting("METRICS_TOKEN", ""))

    @property
    def metrics_dir(self) -> Path:
        """Where qcluster and gunicorn processes keep their counters (multiprocess)."""
        return Path(_setting("METRICS_DIR", Path(settings.DATA_DIR) / "metrics"))

    @property
    def worker_metrics_port(self) -> int | None:
        """The port a qcluster serves its workers' metrics on; None: it does not, and
        ``/metrics`` on the same host includes them."""
        port = _setting("WEBHOOKS_WORKER_METRICS_PORT", None)
        return None if port in (None, "") else int(port)

    @property
    def worker_metrics_address(self) -> str:
        return str(_setting("WEBHOOKS_WORKER_METRICS_ADDRESS", "0.0.0.0"))  # noqa: S104

    @property
    def user_agent(self) -> str:
        return f"testimonial-webhooks/{_release()} (Standard Webhooks)"


conf = WebhooksSettings()
