"""Which addresses are refused (save-time checks: literals, and the names of this
machine)."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.exceptions import ValidationError
from pytest_django import Settings

from webhooks.validation.ssrf import embedded_ipv4, parse_ip_literal, refusal_reason
from webhooks.validation.validators import validate_webhook_url

REFUSED = [
    "127.0.0.1",
    "127.1",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "0x7f.1",
    "0.0.0.0",  # noqa: S104 - a target we refuse, not a bind address
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "198.18.0.1",
    "240.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::",
    "64:ff9b::a00:1",
    "ff02::1",
]
ALLOWED = ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "8.8.8.8"]


@pytest.mark.parametrize("host", REFUSED)
def test_non_public_targets_are_refused(host: str, settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    address = parse_ip_literal(host)

    assert address is not None
    assert refusal_reason(address) is not None


@pytest.mark.parametrize("host", ALLOWED)
def test_public_targets_are_allowed(host: str, settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    address = parse_ip_literal(host)

    assert address is not None
    assert refusal_reason(address) is None


@pytest.mark.parametrize("host", ["hooks.example.com", "1.2.3.example", "0xZZ.1", "", "1..2"])
def test_names_are_not_addresses(host: str) -> None:
    assert parse_ip_literal(host) is None


def test_embedded_ipv4_forms() -> None:
    def inner(text: str) -> str | None:
        found = embedded_ipv4(ipaddress.ip_address(text))
        return str(found) if found else None

    assert inner("::ffff:10.1.2.3") == "10.1.2.3"
    assert inner("2002:a01:203::") == "10.1.2.3"
    assert inner("64:ff9b::10.1.2.3") == "10.1.2.3"
    assert inner("2606:4700::1") is None
    assert inner("10.1.2.3") is None


def test_operators_can_allow_everything_or_some_networks(settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    assert refusal_reason(ipaddress.ip_address("10.0.0.1")) is None

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert refusal_reason(ipaddress.ip_address("10.0.0.1")) is None
    assert refusal_reason(ipaddress.ip_address("::ffff:10.0.0.1")) is None
    assert refusal_reason(ipaddress.ip_address("192.168.0.1")) is not None


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/hook",
        "https://LOCALHOST.:8443/",
        "http://api.localhost/",
        "http://a.b.localhost./in",
    ],
)
def test_localhost_names_are_refused_at_save_like_loopback(url: str, settings: Settings) -> None:
    """RFC 6761: no resolver needed to know where these go."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationError, match=r"names this machine, and 127\.0\.0\.1 is not a"):
        validate_webhook_url(url)

    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    validate_webhook_url(url)
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    validate_webhook_url(url)


@pytest.mark.parametrize("url", ["https://localhost.example.com/", "https://mylocalhost/"])
def test_names_merely_containing_localhost_wait_for_dns(url: str, settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    validate_webhook_url(url)  # checked, resolved, at every send
