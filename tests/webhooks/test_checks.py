"""``manage.py check`` finds webhook misconfiguration before a send does."""

from __future__ import annotations

import pytest
from pytest_django import Settings

from webhooks.checks import check_deployment, check_settings


def ids(settings: Settings) -> set[str]:
    return {message.id or "" for message in check_settings()}


def test_the_default_configuration_is_clean(settings: Settings) -> None:
    # The test runner turns DEBUG off but the development default (private URLs allowed)
    # stays; production's default is off.
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    assert ids(settings) == set()


@pytest.mark.parametrize(
    ("setting", "value", "error"),
    [
        ("WEBHOOKS_RETRY_SCHEDULE", "5s,soon", "webhooks.E001"),
        ("WEBHOOKS_DISABLE_AFTER", "a week", "webhooks.E001"),
        ("WEBHOOKS_RETRY_JITTER", 1.5, "webhooks.E002"),
        ("WEBHOOKS_LEASE", "10s", "webhooks.E003"),
        ("WEBHOOKS_ALLOWED_NETWORKS", ["10.0.0.0/33"], "webhooks.E005"),
        ("Q_CLUSTER", {"timeout": 60, "retry": 60}, "webhooks.E004"),
        ("WEBHOOKS_MAX_PAYLOAD_BYTES", 0, "webhooks.E006"),
        ("SITE_URL", "testimonials.example.com", "webhooks.E008"),
        ("SITE_URL", "ftp://testimonials.example.com", "webhooks.E008"),
        ("WEBHOOKS_WORKER_METRICS_PORT", 70000, "webhooks.E009"),
        ("WEBHOOKS_WORKER_METRICS_PORT", "ninety", "webhooks.E009"),
    ],
)
def test_misconfiguration_is_reported(
    settings: Settings, setting: str, value: object, error: str
) -> None:
    setattr(settings, setting, value)

    assert error in ids(settings)


def test_private_targets_allowed_in_production_is_a_warning(settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.DEBUG = True
    assert "webhooks.W001" not in ids(settings)

    settings.DEBUG = False
    assert "webhooks.W001" in ids(settings)


def test_no_site_url_in_production_is_a_deployment_warning(settings: Settings) -> None:
    def deployment_ids() -> set[str]:
        return {message.id or "" for message in check_deployment()}

    settings.SITE_URL = ""
    settings.METRICS_TOKEN = "t"
    settings.DEBUG = True
    assert "webhooks.W002" not in deployment_ids()

    settings.DEBUG = False
    assert deployment_ids() == {"webhooks.W002"}
    assert "webhooks.W002" not in ids(settings)  # not on every command, only --deploy
    settings.SITE_URL = "https://testimonials.example.com/"
    assert not deployment_ids()
    assert "webhooks.E008" not in ids(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEBHOOKS_ENDPOINT_MAX_IN_FLIGHT", 0),
        ("WEBHOOKS_ENDPOINT_MAX_IN_FLIGHT", 257),
        ("WEBHOOKS_WORKER_MAX_IN_FLIGHT", 0),
        ("WEBHOOKS_CONCURRENCY", 0),
        ("WEBHOOKS_BATCH_SIZE", 0),
    ],
)
def test_scheduling_limits_out_of_range_are_errors(
    settings: Settings, name: str, value: int
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    setattr(settings, name, value)

    assert ids(settings) == {"webhooks.E007"}


def test_no_metrics_token_in_production_is_a_deployment_warning(settings: Settings) -> None:
    settings.SITE_URL, settings.METRICS_TOKEN, settings.DEBUG = "https://t.example.com", "", False
    [warning] = check_deployment()
    assert warning.id == "webhooks.W003"
    assert "404" in warning.msg
    settings.WEBHOOKS_WORKER_METRICS_PORT = 9100
    [warning] = check_deployment()
    assert "refuses to open WEBHOOKS_WORKER_METRICS_PORT" in warning.msg
    settings.METRICS_TOKEN = "t"
    assert check_deployment() == []
