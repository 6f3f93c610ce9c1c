"""One attempt through the real sending transport, for tests of what it does on the wire."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from webhooks.sending.attempt import Outcome, Target, attempt
from webhooks.sending.http_transport import new_client
from webhooks.trust.signing import generate_secret


def target(url: str, **overrides: Any) -> Target:
    plain = Target(
        delivery_id=1,
        endpoint_id=1,
        url=url,
        secrets=[generate_secret()],
        custom_headers={},
        webhook_id="e7d1c7a0-0000-4000-8000-000000000001",
        body=b'{"type":"webhook.test"}',
        schedule_position=0,
    )
    return replace(plain, **overrides)


def send(url: str, **overrides: Any) -> Outcome:
    """One try to ``url``; ``overrides`` change the target (``timeout=``, ``body=``…)."""
    with new_client() as client:
        return attempt(client, target(url, **overrides))
