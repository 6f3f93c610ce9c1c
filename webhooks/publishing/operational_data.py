"""The ``data`` of each operational event, and made-up samples of it for the preview and
the catalogue: what ``webhooks.publishing.operational`` announces, shaped as the catalogue's
schemas say (a test validates them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from webhooks.conf import conf
from webhooks.durations import format_duration
from webhooks.event_types.builtin import (
    ENDPOINT_DISABLED,
    ENDPOINT_ENABLED,
    ENDPOINT_FAILING,
    ENDPOINT_RECOVERED,
    TEST_EVENT,
)
from webhooks.publishing import payloads


def endpoint_ref(endpoint_id: int, description: str) -> dict[str, Any]:
    # No URL: a Slack or Discord webhook URL is itself the credential.
    return {"id": endpoint_id, "description": description}


def disabled_data(
    endpoint_id: int, description: str, reason: str, automatic: bool, now: datetime
) -> dict[str, Any]:
    return {
        "endpoint": endpoint_ref(endpoint_id, description),
        "reason": reason,
        "automatic": automatic,
        "disabled_at": payloads.timestamp(now),
    }


def enabled_data(endpoint_id: int, description: str, now: datetime) -> dict[str, Any]:
    return {
        "endpoint": endpoint_ref(endpoint_id, description),
        "enabled_at": payloads.timestamp(now),
    }


def failing_data(
    endpoint_id: int, description: str, streak: int, since: datetime, last_error: str
) -> dict[str, Any]:
    return {
        "endpoint": endpoint_ref(endpoint_id, description),
        "consecutive_failures": streak,
        "failing_since": payloads.timestamp(since),
        "last_error": last_error,
    }


def recovered_data(
    endpoint_id: int, description: str, announced: datetime, now: datetime
) -> dict[str, Any]:
    return {
        "endpoint": endpoint_ref(endpoint_id, description),
        "failing_announced_at": payloads.timestamp(announced),
        "recovered_at": payloads.timestamp(now),
    }


def exhausted_data(
    delivery_id: int,
    attempts: int,
    status_code: int | None,
    error: str,
    endpoint_id: int,
    description: str,
    event_id: Any,
    event_type: str,
    created_at: datetime,
) -> dict[str, Any]:
    return {
        "delivery": {
            "id": delivery_id,
            "attempts": attempts,
            "last_status_code": status_code,
            "last_error": error,
        },
        "endpoint": endpoint_ref(endpoint_id, description),
        "event": {
            "id": str(event_id),
            "type": event_type,
            "timestamp": payloads.timestamp(created_at),
        },
    }


def failing_reason(period: timedelta, tries: int, last_error: str) -> str:
    """Why an endpoint was switched off for failing too long (WEBHOOKS_DISABLE_AFTER)."""
    return (
        f"Disabled automatically: every try failed for more than {format_duration(period)} "
        f"(at least {tries} tries). Last error: {last_error}"
    )


def sample_data(
    event_type: str, endpoint_id: int, description: str, now: datetime
) -> dict[str, Any]:
    """Made-up ``data`` of an operational event, for the admin's preview."""
    if event_type == ENDPOINT_DISABLED:
        reason = failing_reason(
            conf.disable_after, conf.disable_after_failures, "HTTP 503 Service Unavailable"
        )
        return disabled_data(endpoint_id, description, reason, True, now)
    if event_type == ENDPOINT_ENABLED:
        return enabled_data(endpoint_id, description, now)
    if event_type == ENDPOINT_FAILING:
        return failing_data(
            endpoint_id, description, conf.failing_after, now, "HTTP 503 Service Unavailable"
        )
    if event_type == ENDPOINT_RECOVERED:
        return recovered_data(endpoint_id, description, now, now)
    return exhausted_data(
        1,
        10,
        503,
        "HTTP 503 Service Unavailable",
        endpoint_id,
        description,
        "2c1d4a4e-8f43-4a3f-9b7e-5d0c0e6a1f00",
        TEST_EVENT,  # every subscriber may receive it: an example naming no other type
        now,
    )
