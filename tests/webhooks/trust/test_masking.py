"""The one URL mask (SPEC §10): scheme, host and the start of the path; never the query,
a fragment or a segment that could be a token."""

from __future__ import annotations

import pytest

from webhooks.models import WebhookEndpoint
from webhooks.trust.masking import mask_url


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            "https://hooks.slack.com/services/T0001/B0001/XXXXtoken",
            "https://hooks.slack.com/services/…",
        ),
        ("https://discord.com/api/webhooks/1234567/abc-TOKEN", "https://discord.com/api/…"),
        (
            "https://prod-00.westus.logic.azure.com:443/workflows/9f2c/triggers/manual/paths/"
            "invoke?api-version=2016-06-01&sig=SIGtoken",
            "https://prod-00.westus.logic.azure.com:443/workflows/…",
        ),
        ("https://crm.example.com/webhooks", "https://crm.example.com/webhooks"),
        ("https://crm.example.com/webhooks?token=abc", "https://crm.example.com/webhooks/…"),
        ("https://crm.example.com/v1/hooks", "https://crm.example.com/v1/…"),
        ("https://crm.example.com/", "https://crm.example.com/"),
        ("https://crm.example.com", "https://crm.example.com/"),
        ("https://crm.example.com/AbCdEfGhIjKl", "https://crm.example.com/…"),  # mixed case
        ("https://crm.example.com/a1b2c3d4e5", "https://crm.example.com/…"),  # digits
        ("https://crm.example.com/" + "a" * 30, "https://crm.example.com/…"),  # long
        ("https://crm.example.com/#frag", "https://crm.example.com/…"),
        ("http://[2001:db8::1]:8080/in", "http://[2001:db8::1]:8080/in"),
        ("http://a:99999/x", "(an unreadable URL)…"),
    ],
)
def test_mask(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_an_endpoint_is_named_by_its_description_or_its_masked_url() -> None:
    url = "https://hooks.slack.com/services/T0001/B0001/XXXXtoken"
    assert str(WebhookEndpoint(url=url)) == "https://hooks.slack.com/services/…"
    assert str(WebhookEndpoint(url=url, description="#wins")) == "#wins"
