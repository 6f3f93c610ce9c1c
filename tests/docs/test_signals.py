"""Every example receiver in docs/signals.md runs, unchanged, against our models.

The Python blocks are read from the document itself and executed; only the outside
world they talk to (Slack through ``requests``, an analytics client, ``tweepy``, a search
index, the helper functions the examples leave undefined) is replaced by recorders.
"""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.dispatch import receiver
from pytest_django import Settings

from testimonials.models import Testimonial
from tests.support.factories import make_category, make_user, png_upload
from tests.support.signals import ALL_SIGNALS

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "signals.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def named(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            return types.SimpleNamespace(raise_for_status=lambda: None)

        return record

    def of(self, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(args, kwargs) for called, args, kwargs in self.calls if called == name]


class FakeProfile:
    """The user profile the "Updating Related Models" example expects a site to have."""

    def __init__(self) -> None:
        self.reputation_score = 0
        self.approved_testimonials_count = 0
        self.saved_fields: list[str] = []

    def save(self, update_fields: list[str]) -> None:
        self.saved_fields = update_fields


def fake_module(name: str, **attributes: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    return module


@pytest.fixture
def documented_receivers(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Recorder]:
    recorder = Recorder()
    oauth = types.SimpleNamespace(set_access_token=recorder.named("tweepy.set_access_token"))
    api = types.SimpleNamespace(update_status=recorder.named("tweepy.update_status"))
    for name, module in {
        "requests": fake_module("requests", post=recorder.named("requests.post")),
        "analytics": fake_module("analytics", track=recorder.named("analytics.track")),
        "tweepy": fake_module("tweepy", OAuthHandler=lambda *a: oauth, API=lambda auth: api),
        "yourapp": fake_module("yourapp", __path__=[]),
        "yourapp.search": fake_module(
            "yourapp.search",
            update_search_index=recorder.named("search.update"),
            remove_from_search_index=recorder.named("search.remove"),
        ),
    }.items():
        monkeypatch.setitem(sys.modules, name, module)

    templates = tmp_path / "templates" / "emails"
    templates.mkdir(parents=True)
    (templates / "response_notification.html").write_text("<p>{{ response }}</p>")
    (templates / "response_notification.txt").write_text("{{ author_name }}: {{ response }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates"]}]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MANAGERS = [("Moderators", "moderators@example.com")]
    settings.SITE_URL = "https://testimonials.example.com"
    settings.TESTIMONIAL_DETAIL_URL_PATTERN = "https://example.com/t/{id}/{slug}/"
    for key in ("API_KEY", "API_SECRET", "ACCESS_TOKEN", "ACCESS_SECRET"):
        setattr(settings, f"TWITTER_{key}", "x")

    namespace: dict[str, Any] = {
        "__name__": "yourapp.signals",
        "__package__": "yourapp",
        "receiver": receiver,
        "settings": settings,
        "Testimonial": Testimonial,
        # Later snippets rely on the imports shown earlier in the document.
        **{f"testimonial_{name}": signal for name, signal in ALL_SIGNALS.items()},
        **{
            helper: recorder.named(helper)
            for helper in (
                "send_thank_you_email",
                "update_approval_statistics",
                "log_rejection",
                "send_rejection_notification",
                "notify_administrators",
                "update_testimonial_count",
            )
        },
    }
    # Each block is its own module, as in a user's project; the namespaces also keep the
    # weakly connected receivers alive until the test ends.
    snippets = [dict(namespace) for _ in python_blocks()]
    for block, snippet in zip(python_blocks(), snippets, strict=True):
        exec(compile(block, str(DOC), "exec"), snippet)  # noqa: S102 - our own docs
    yield recorder
    for snippet in snippets:
        for value in snippet.values():
            if callable(value):
                for signal in ALL_SIGNALS.values():
                    signal.disconnect(value)


def test_the_document_has_the_examples_we_run() -> None:
    assert len(python_blocks()) >= 14


def test_every_documented_receiver_works_against_the_models(
    documented_receivers: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = documented_receivers
    author = make_user()
    profile = FakeProfile()
    author.profile = profile  # type: ignore[attr-defined]
    testimonial = Testimonial(
        author=author,
        author_name="Ada Lovelace",
        author_email="ada@example.com",
        company="Analytical Engines",
        content="The engine weaves algebraic patterns beautifully.",
        rating=4,
        category=make_category(name="Engines"),
    )
    testimonial.save()
    testimonial.add_media(png_upload())
    testimonial.approve()
    testimonial.feature()
    testimonial.add_response("Thank you, Ada!")
    testimonial.reject("Duplicate")
    testimonial.archive()

    ((slack_args, slack_kwargs),) = recorder.of("requests.post")
    assert slack_args == ("https://hooks.slack.com/services/YOUR/WEBHOOK/URL",)
    assert "⭐⭐⭐⭐" in json.loads(slack_kwargs["data"])["blocks"][1]["fields"][1]["text"]
    assert recorder.of("notify_administrators") == [((testimonial,), {})]
    assert recorder.of("send_thank_you_email") == [
        (("ada@example.com", "Ada Lovelace", testimonial.content), {})
    ]
    assert recorder.of("send_rejection_notification") == [
        (("ada@example.com", "Ada Lovelace", "Duplicate"), {})
    ]
    approval, rejection = (kw["properties"] for _, kw in recorder.of("analytics.track"))
    assert (approval["category"], approval["has_media"], approval["word_count"]) == (
        "Engines",
        True,
        6,
    )
    assert rejection["rejection_reason"] == "Duplicate"
    (tweet,), _ = recorder.of("tweepy.update_status")[0]
    assert tweet.startswith("Customer Testimonial: ★★★★☆")
    assert f"/t/{testimonial.id}/{testimonial.slug}/" in tweet
    assert [kw["document"]["is_featured"] for _, kw in recorder.of("search.update")] == [
        False,
        True,
    ]
    assert len(recorder.of("search.remove")) == 2
    assert (profile.reputation_score, profile.approved_testimonials_count) == (4, 1)
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == [
        "We've responded to your testimonial!",
        "[Django] New testimonial from Ada Lovelace",
    ]
    assert "TESTIMONIAL_REJECTED" in caplog.text
    assert cache.get("featured_testimonials") is None
