"""docs/operations.md's import command, run as written: its testimonials are saved, and
no webhook event is recorded for them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from testimonials.models import Testimonial
from tests.support.factories import make_endpoint
from tests.support.processes import ROOT
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def test_the_documented_import_command_sends_nothing() -> None:
    page = (ROOT / "docs" / "operations.md").read_text()
    [source] = re.findall(r"<!-- python-example: muted-import -->\n```python\n(.*?)```", page, re.S)
    make_endpoint()
    namespace: dict[str, Any] = {}
    exec(compile(source, "docs/operations.md", "exec"), namespace)  # noqa: S102 - our own docs
    namespace["Command"]().handle()
    assert Testimonial.objects.count() == 3
    assert not WebhookEvent.objects.exists()
