"""docs/webhooks.md's CloudEvents example: the body shown is a CloudEvent the SDK accepts,
and the receiver snippet, run as written, verifies and reads a body this service made."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace
from typing import Any

from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from django.utils import timezone

from tests.support.processes import ROOT
from webhooks import formats
from webhooks.formats import Format
from webhooks.models import WebhookEndpoint
from webhooks.publishing import payloads, preview
from webhooks.trust import signing

PAGE = ROOT / "docs" / "webhooks.md"


def example(name: str, language: str) -> str:
    pattern = rf"<!-- cloudevents-example: {name} -->\n```{language}\n(.*?)```"
    [source] = re.findall(pattern, PAGE.read_text(), re.S)
    return str(source)


def test_the_documented_body_is_a_cloudevent() -> None:
    body = example("body", "json").encode()

    event = from_http_event(HTTPMessage({"content-type": "application/cloudevents+json"}, body))

    assert event.get_type() == "testimonial.approved"
    assert event.get_subject() == "testimonials/42"


def test_the_documented_receiver_reads_what_we_send() -> None:
    secret = signing.generate_secret()
    webhook_id = "3b0f8d2a-5c1e-4f7a-9d3b-2e6c8a1f4b70"
    data = preview.sample_data("testimonial.approved", WebhookEndpoint(id=1))
    stored = payloads.encode(payloads.envelope("testimonial.approved", data, timezone.now()))
    body = formats.render(Format.CLOUDEVENTS, stored, webhook_id).encode()
    stamp = int(time.time())
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": signing.sign(webhook_id, stamp, body, [secret]),
        "content-type": formats.content_type(Format.CLOUDEVENTS),
    }
    source = example("receiver", "python").replace("whsec_…", secret)
    namespace: dict[str, Any] = {"request": SimpleNamespace(body=body, headers=headers)}

    exec(compile(source, str(PAGE), "exec"), namespace)  # noqa: S102 - our own docs

    assert namespace["event"].get_id() == webhook_id
    assert namespace["event"].get_type() == "testimonial.approved"
