"""The trust findings, over real HTTP, as an attacker tried them: gunicorn as production
runs it (DJANGO_DEBUG=false), a real qcluster and a real receiver on 127.0.0.1."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.factories import (
    PNG_BYTES,
    make_api_key,
    make_endpoint,
    make_superuser,
    make_testimonial,
)
from tests.support.receiver import Receiver
from tests.support.waiting import wait_until
from tests.support.web_process import gunicorn
from tests.support.worker import StartWorker
from webhooks.models import DeliveryAttempt, WebhookDelivery

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHAT_URL = "https://hooks.slack.com/services/T000/B000/XXXXchatT0ken"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_key_learns_only_what_its_scopes_allow(tmp_path: Path) -> None:
    name, email = "Hidden Person", "hidden.person@example.com"
    endpoint = make_endpoint(url=CHAT_URL, headers={"X-Team": "h3ader-credential"})
    anonymous = make_testimonial(is_anonymous=True, author_name=name, author_email=email)
    published = make_testimonial()
    published.approve()
    delivery = WebhookDelivery.objects.filter(endpoint=endpoint).first()
    assert delivery is not None
    root = make_superuser()
    _, writer = make_api_key("testimonials:write", user=root)
    _, reader = make_api_key("webhooks:read", user=root)
    _, operator = make_api_key("webhooks:read", "webhooks:write", user=root)

    with gunicorn(tmp_path) as site, httpx.Client(base_url=f"{site}/api/v1") as api:
        # 1. A write answers no more than the key's read scope shows.
        assert api.get(f"/testimonials/{anonymous.pk}/", headers=bearer(writer)).status_code == 403
        patched = api.patch(f"/testimonials/{anonymous.pk}/", json={}, headers=bearer(writer))
        assert patched.json() == {"id": anonymous.pk, "slug": anonymous.slug, "status": "pending"}
        unmasked = api.patch(
            f"/testimonials/{anonymous.pk}/", json={"is_anonymous": False}, headers=bearer(writer)
        )
        assert unmasked.status_code == 403
        assert "testimonials:moderate" in unmasked.json()["detail"]
        assert name not in unmasked.text
        rewritten = api.patch(
            f"/testimonials/{published.pk}/", json={"content": "Rewritten, unmoderated."},
            headers=bearer(writer),
        )  # fmt: skip
        assert rewritten.status_code == 403
        assert "testimonials:moderate" in rewritten.json()["detail"]
        anonymous.refresh_from_db()
        published.refresh_from_db()
        assert anonymous.is_anonymous
        assert published.content != "Rewritten, unmoderated."

        # 2. A secret is read with its own scope, not with webhooks:write.
        secret = api.get(f"/endpoints/{endpoint.pk}/secret/", headers=bearer(operator))
        assert secret.status_code == 403
        assert endpoint.secret not in secret.text

        # 3 and 4. Header values never; the chat URL masked for a reader, whole for an
        # operator; the delivery log names the endpoint by its masked URL.
        as_reader = api.get(f"/endpoints/{endpoint.pk}/", headers=bearer(reader)).json()
        assert as_reader["url"] == "https://hooks.slack.com/services/…"
        assert as_reader["header_names"] == ["X-Team"]
        as_operator = api.get(f"/endpoints/{endpoint.pk}/", headers=bearer(operator)).text
        assert CHAT_URL in as_operator
        assert "h3ader-credential" not in as_operator
        for path in ("/endpoints/", "/deliveries/", f"/deliveries/{delivery.pk}/", "/events/"):
            text = api.get(path, headers=bearer(reader)).text
            assert "XXXXchatT0ken" not in text, path
            assert "h3ader-credential" not in text, path

        # 5. Payloads (authors' emails, pending testimonials) need testimonials:read too.
        event = api.get(f"/events/{delivery.event_id}/", headers=bearer(reader)).json()
        assert event["payload"] is None
        assert api.get(f"/deliveries/{delivery.pk}/", headers=bearer(reader)).json()["body"] is None


def test_a_worker_records_and_logs_no_receiver_credential(
    tmp_path: Path, start_worker: StartWorker
) -> None:
    """A custom header whose name says nothing of credentials, and a token in the URL's
    query: the receiver gets both; the attempt, the API and the worker's log show
    neither (httpx logged every URL at INFO)."""
    root = make_superuser()
    _, reader = make_api_key("webhooks:read", user=root)
    with Receiver().running() as receiver:
        endpoint = make_endpoint(
            url=receiver.url("/hook?token=qu3ry-t0ken"), headers={"X-Team": "t34m-credential"}
        )
        worker = start_worker(LOG_LEVEL="DEBUG")
        make_testimonial()
        receiver.wait_for(lambda got: len(got) == 1, timeout=30)
        wait_until(DeliveryAttempt.objects.exists, 30, "the attempt to be recorded")
        (received,) = receiver.received
        assert received.headers["x-team"] == "t34m-credential"
        with gunicorn(tmp_path) as site:
            delivery = WebhookDelivery.objects.get(endpoint=endpoint)
            shown = httpx.get(f"{site}/api/v1/deliveries/{delivery.pk}/", headers=bearer(reader))
        worker.stop()

    (attempt,) = shown.json()["attempts_log"]
    assert attempt["request_headers"]["X-Team"] == "[redacted]"
    log = worker.log()
    assert "webhook dispatcher started" in log
    for credential in ("t34m-credential", "qu3ry-t0ken"):
        assert credential not in shown.text
        assert credential not in log


def raw_post(base: str, path: str, headers: dict[str, str], body: bytes) -> str:
    """Sends a request's head and the start of its body, and reads what the server answers
    without sending the rest."""
    address = urlsplit(base)
    head = [f"POST {path} HTTP/1.1", f"Host: {address.hostname}", "Connection: close"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection((address.hostname, address.port), timeout=20) as conn:
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer.decode("latin-1")


def test_bad_input_is_a_4xx_and_an_upload_is_refused_before_it_is_read(tmp_path: Path) -> None:
    testimonial = make_testimonial()
    _, writer = make_api_key("testimonials:write", user=make_superuser())
    settings_env = {
        "TESTIMONIALS_PUBLIC_SUBMISSION": "true",
        "TESTIMONIALS_MEDIA_MAX_BYTES": "1000000",
    }
    with gunicorn(tmp_path, settings_env) as site:
        deep = httpx.post(
            f"{site}/api/v1/testimonials/",
            content=b"[" * 100_000,
            headers={"Content-Type": "application/json"},
        )
        assert deep.status_code == 400
        assert "nested too deeply" in deep.json()["detail"]

        # 50 MB announced, 4 KB sent: the answer comes without the rest being read.
        boundary = "b0undary"
        start = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="big.png"\r\nContent-Type: image/png\r\n\r\n'
            ).encode()
            + PNG_BYTES
            + b"0" * 4000
        )
        answer = raw_post(
            site,
            f"/api/v1/testimonials/{testimonial.pk}/media/",
            {
                **bearer(writer),
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(50_000_000),
            },
            start,
        )
        assert answer.startswith("HTTP/1.1 413"), answer[:200]
        assert "at most 1000000" in answer
    assert not testimonial.media.exists()


def test_throttles_are_counted_once_for_every_web_process(tmp_path: Path) -> None:
    """Each request goes to a fresh gunicorn worker process (--max-requests 1): with a
    count per process every request was a first one."""
    _, reader = make_api_key("webhooks:read", user=make_superuser())
    with gunicorn(tmp_path, {"API_KEY_RATE": "3/minute"}, options=("--max-requests", "1")) as site:
        codes = [
            httpx.get(f"{site}/api/v1/status/", headers=bearer(reader)).status_code
            for _ in range(6)
        ]
    assert codes == [200, 200, 200, 429, 429, 429]
