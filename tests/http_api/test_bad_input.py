"""Bad input is a 4xx, never a 500, and never fills the disk; a receiver's odd answer is
recorded as the answer it was. (The same over real HTTP: tests/end_to_end/test_trust.py.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse
from pytest_django import Settings
from rest_framework.test import APIClient

from tests.support.factories import make_endpoint, make_staff, make_testimonial
from tests.support.hostile import HostileServer, answer
from tests.support.transport import send
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 100_000


def test_deeply_nested_json_on_the_keyless_submission_is_a_400(
    api_client: Callable[..., APIClient], settings: Settings
) -> None:
    settings.TESTIMONIALS_PUBLIC_SUBMISSION = True

    answer = api_client(key=None).post(
        "/api/v1/testimonials/", DEEP_JSON, content_type="application/json"
    )

    assert answer.status_code == 400
    assert "nested too deeply" in answer.json()["detail"]


def test_deeply_nested_json_in_an_admin_form_is_an_error_on_the_field(client: Client) -> None:
    endpoint = make_endpoint()
    client.force_login(
        make_staff("webhooks.change_webhookendpoint", "webhooks.view_webhookendpoint")
    )

    page = client.post(
        reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]),
        {"url": endpoint.url, "filter": DEEP_JSON, "headers": "{}"},
    )

    assert page.status_code == 200
    assert "This JSON is nested too deeply." in page.content.decode()


@pytest.fixture
def upload_handlers_used(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which of Django's upload handlers began storing a file (memory or a temporary
    file on disk)."""
    used: list[str] = []
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.new_file

        def new_file(self: object, *args: object, _original: object = original, **kwargs: object):  # type: ignore[no-untyped-def]
            used.append(type(self).__name__)
            return _original(self, *args, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(handler, "new_file", new_file)
    return used


def test_an_upload_over_the_limit_is_refused_before_it_is_stored(
    api_client: Callable[..., APIClient], settings: Settings, upload_handlers_used: list[str]
) -> None:
    settings.TESTIMONIALS_MEDIA_MAX_BYTES = 100_000
    testimonial = make_testimonial()
    client = api_client("testimonials:write")
    path = f"/api/v1/testimonials/{testimonial.pk}/media/"
    big = SimpleUploadedFile("photo.png", b"\x89PNG" + b"0" * 300_000, content_type="image/png")

    refused = client.post(path, {"file": big}, format="multipart")

    assert refused.status_code == 413
    assert "at most 100000" in refused.json()["detail"]
    assert upload_handlers_used == []
    assert not testimonial.media.exists()
    small = SimpleUploadedFile("photo.png", b"\x89PNG" + b"0" * 1_000, content_type="image/png")
    assert client.post(path, {"file": small}, format="multipart").status_code == 201


def test_other_operations_refuse_multipart_bodies_unread(
    api_client: Callable[..., APIClient], upload_handlers_used: list[str]
) -> None:
    """JSON everywhere but the media upload: a multipart body elsewhere is a 415, and not
    a byte of it is spooled anywhere."""
    big = SimpleUploadedFile("junk.bin", b"0" * 300_000)

    answer = api_client("testimonials:write").post(
        "/api/v1/testimonials/", {"file": big, "content": "x"}, format="multipart"
    )

    assert answer.status_code == 415
    assert answer.json()["type"] == "/api/problems/unsupported-media-type/"
    assert upload_handlers_used == []


def test_a_view_only_user_opens_an_endpoint_page(client: Client) -> None:
    """It was a 500 (KeyError: 'max_in_flight'): the form of a read-only page has no
    fields."""
    endpoint = make_endpoint(description="CRM", headers={"Authorization": "Bearer s3cr3t"})
    client.force_login(make_staff("webhooks.view_webhookendpoint"))

    page = client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Authorization (values are write-only)" in text
    assert "s3cr3t" not in text


@pytest.mark.parametrize(
    "location",
    [b"http://xn--/", b"/\x7f", b"//[::1]:x/", b"/" + b"a" * 70_000],
    ids=["bad-idna", "control-character", "bad-port", "too-long"],
)
def test_a_malformed_location_is_recorded_as_the_answer_it_was(
    settings: Settings, location: bytes
) -> None:
    """The request was sent and answered: not "refused before sending", and no 500."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    server = HostileServer(answer(302, "Location: " + location.decode("latin-1")))
    with server.running():
        outcome = send(server.url("/hook"))

    assert len(server.requests) == 1
    assert outcome.status_code == 302
    assert outcome.error.startswith("HTTP 302: redirect to ")
    assert "not followed" in outcome.error
    assert len(outcome.error) < 400
    assert outcome.kind == "http_error"


def test_a_stored_url_httpx_cannot_parse_is_refused_without_quoting_it(
    settings: Settings,
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    endpoint = make_endpoint()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="https://[::1/t0ken")

    outcome = send("https://[::1/t0ken")

    assert outcome.error == "refused before sending: the endpoint's URL cannot be parsed"
