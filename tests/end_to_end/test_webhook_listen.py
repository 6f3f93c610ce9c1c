"""``manage.py webhook_listen``: the developer's local receiver, run as a user would."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.listening import Listener, wait_for_text
from tests.support.processes import child_env
from webhooks import formats
from webhooks.sending.attempt import Target, request_headers
from webhooks.trust import signing

pytestmark = pytest.mark.slow


def signed(secret: str, body: bytes) -> dict[str, str]:
    target = Target(1, 1, "", [secret], {}, "8d4e2f0a-1b2c-4d3e-8f40-5a6b7c8d9e0f", body, 0)
    return request_headers(target, int(time.time()))


def test_it_prints_each_event_and_whether_it_verified(
    listener: Listener,
) -> None:
    url, secret, output = listener
    body = b'{"type":"testimonial.approved","data":{"testimonial":{"id":7}}}'

    good = httpx.post(url, content=body, headers=signed(secret, body))
    bad = httpx.post(url, content=body, headers=signed(signing.generate_secret(), body))

    assert (good.status_code, bad.status_code) == (202, 202)
    printed = wait_for_text(output, "signature NOT verified")
    assert "testimonial.approved  webhook-id=8d4e2f0a-1b2c-4d3e-8f40-5a6b7c8d9e0f" in printed
    assert "signature verified" in printed
    assert '"id": 7' in printed


def test_a_chat_message_is_shown_as_it_reads(listener: Listener) -> None:
    url, secret, output = listener
    payload = '{"type":"testimonial.created","timestamp":"2026-11-24T10:00:00.000000Z",'
    payload += '"data":{"testimonial":{"id":7,"author_name":"Ada","rating":4,"content":"Good"}}}'
    body = formats.render("slack", payload, "msg_1").encode()

    assert httpx.post(url, content=body, headers=signed(secret, body)).status_code == 202
    printed = wait_for_text(output, "slack message")
    assert "signature verified" in printed
    assert "From: Ada" in printed
    assert ">Good" in printed


def test_a_malformed_secret_is_refused() -> None:
    from tests.support.processes import manage

    result = manage("webhook_listen", "--secret", "nope", env=child_env())

    assert result.returncode != 0
    assert "--secret: a webhook secret starts with 'whsec_'" in result.stderr
