"""The image as a deployment runs it (``make image-test``): a one-off migrate, a web
container and a worker container sharing a data volume, every process non-root, gunicorn
answering through a published port, the health check healthy, the admin with its CSS,
and the worker delivering a signed test event to a receiver on this host.

Runs only from ``make image-test`` (RUN_IMAGE_TEST=1), which builds the image first;
REQUIRE_CONTAINER=1 (CI) turns a missing podman into a failure."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from standardwebhooks.webhooks import Webhook

from tests.support.receiver import Receiver
from tests.support.web_process import free_port
from webhooks.trust import signing

IMAGE = os.environ.get("IMAGE", "testimonial-webhooks:latest")


def podman(*args: str, timeout: float = 120, check: bool = True) -> str:
    result = subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def image() -> str:
    why = ""
    if not os.environ.get("RUN_IMAGE_TEST"):
        why = "the image smoke test runs from `make image-test`, which builds the image"
    elif not shutil.which("podman"):
        why = "no podman: apt-get install podman buildah debootstrap runc"
    if why:
        if os.environ.get("REQUIRE_CONTAINER") and os.environ.get("RUN_IMAGE_TEST"):
            pytest.fail(why)
        pytest.skip(why)
    podman("image", "exists", IMAGE)
    return IMAGE


class Deployment:
    """Containers and a volume named for one run, removed afterwards."""

    def __init__(self, image: str, env_file: Path) -> None:
        self.image = image
        self.tag = uuid.uuid4().hex[:8]
        self.volume = f"webhooks-data-{self.tag}"
        self.env_file = env_file
        self.started: list[str] = []

    def run(self, *args: str, name: str = "", detach: bool = False) -> str:
        options = ["--env-file", str(self.env_file), "-v", f"{self.volume}:/data", "--init"]
        if name:
            options += ["--name", f"{name}-{self.tag}"]
            self.started.append(f"{name}-{self.tag}")
        if detach:
            options.append("-d")
        else:
            options.append("--rm")
        return podman("run", *options, *args, timeout=180)

    def name(self, short: str) -> str:
        return f"{short}-{self.tag}"

    def close(self) -> None:
        for name in self.started:
            podman("rm", "-f", "-t", "5", name, check=False)
        podman("volume", "rm", "-f", self.volume, check=False)


@pytest.fixture
def deployment(image: str, tmp_path: Path) -> Iterator[Deployment]:
    env_file = tmp_path / "webhooks.env"
    env_file.write_text(
        "\n".join(
            [
                "DJANGO_SECRET_KEY=smoke-" + Fernet.generate_key().decode() * 2,
                "DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost",
                # Plain HTTP through the published port: no TLS proxy in front here.
                "DJANGO_SECURE_SSL_REDIRECT=false",
                "WEBHOOKS_ENCRYPTION_KEYS=" + Fernet.generate_key().decode(),
                # The receiver is on this host's 127.0.0.1.
                "WEBHOOKS_ALLOW_PRIVATE_URLS=true",
                "METRICS_TOKEN=smoke",
                "",
            ]
        )
    )
    deployment = Deployment(image, env_file)
    podman("volume", "create", deployment.volume)
    try:
        yield deployment
    finally:
        deployment.close()


def wait_for(url: str, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx.get(url, timeout=3)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer 200 within {timeout}s")
        time.sleep(0.3)


def test_the_build_secret_stays_out_of_the_image(image: str) -> None:
    """pip's CA is a build secret (make image passes the host's): not in the result."""
    left = podman("run", "--rm", image, "ls", "/run/secrets", check=False)
    assert "No such file or directory" in left
    history = podman("history", "--no-trunc", "--format", "{{.CreatedBy}}", image)
    assert "BEGIN CERTIFICATE" not in history


def test_migrate_web_worker_and_a_signed_delivery(deployment: Deployment) -> None:
    migrated = deployment.run(deployment.image, "python", "manage.py", "migrate", "--noinput")
    assert "Applying webhooks.0001_initial... OK" in migrated

    port = free_port()
    deployment.run("-p", f"127.0.0.1:{port}:8000", deployment.image, name="web", detach=True)
    base = f"http://127.0.0.1:{port}"
    assert wait_for(f"{base}/healthz").json() == {"status": "ok", "database": "ok"}
    podman("healthcheck", "run", deployment.name("web"))  # exit 0: healthy
    login = wait_for(f"{base}/admin/login/")
    stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', login.text)
    assert stylesheet, "the admin's CSS, hashed by the manifest storage"
    assert wait_for(base + stylesheet.group(1)).headers["content-type"].startswith("text/css")
    assert httpx.get(f"{base}/metrics").status_code == 401

    deployment.run(
        "--network", "host", deployment.image, "python", "manage.py", "qcluster",
        name="worker", detach=True,
    )  # fmt: skip
    with Receiver().running() as receiver:
        secret = signing.generate_secret()
        create = (
            "from webhooks.models import WebhookEndpoint; "
            f"e = WebhookEndpoint(url='{receiver.url('/smoke')}', secret='{secret}'); "
            "e.full_clean(); e.save(); print(e.pk)"
        )
        made = podman("exec", deployment.name("web"), "python", "manage.py", "shell", "-c", create)
        endpoint_id = made.strip().splitlines()[-1]
        sent = podman(
            "exec", deployment.name("web"),
            "python", "manage.py", "send_test_webhook", endpoint_id, "--wait", "30",
            timeout=60,
        )  # fmt: skip
        assert "Delivered: HTTP 200" in sent, sent
        [request] = receiver.at("/smoke")
        payload = Webhook(secret).verify(request.body, request.headers)
        assert payload["type"] == "webhook.test"

    for container in ("web", "worker"):
        users = podman("top", deployment.name(container), "user", "args").splitlines()[1:]
        processes = [line.split(None, 1) for line in users if line.strip()]
        assert processes, container
        # --init's tiny init is root's; every process of ours runs as app.
        ours = [p for p in processes if "catatonit" not in p[1] and "init" not in p[1].split()[0]]
        assert ours, (container, processes)
        assert all(user == "app" for user, _ in ours), (container, processes)
    started = time.monotonic()
    podman("stop", "-t", "20", deployment.name("web"), deployment.name("worker"))
    assert time.monotonic() - started < 20  # SIGTERM handled, not the kill after it
