"""docs/reuse.md, step by step, as a team adding webhooks to its own project takes it: the
wheel ``make wheel`` builds, installed in a new virtualenv beside a new
``django-admin startproject``, one signal declared, and a signed delivery at a real
receiver. The wheel holds ``webhooks`` and ``http_api`` only.

Runs from ``make reuse-test`` (RUN_REUSE_TEST=1, which ``.ci/run`` sets), beside the
image test: it installs the wheel's dependencies from the package index into a new
virtualenv, which a unit pass should not wait for."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from standardwebhooks.webhooks import Webhook

from tests.support.processes import ROOT, child_env
from tests.support.receiver import Receiver
from tests.support.reuse_steps import Step, steps

# Its own project and database: no test database, so only in the SQLite pass.
pytestmark = pytest.mark.slow

STEP_TIMEOUT = 600  # installing the wheel's dependencies, from pip's cache or the index


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not os.environ.get("RUN_REUSE_TEST"):
        pytest.skip("the fresh-project test runs from `make reuse-test`")
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, str(ROOT / "reuse" / "build_wheel.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    return Path(built.stdout.strip())


def test_the_wheel_holds_webhooks_and_the_api_platform_only(wheel: Path) -> None:
    assert wheel.name == "django_signal_webhooks-0.1.0-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"webhooks", "http_api", "django_signal_webhooks-0.1.0.dist-info"}
    assert "webhooks/templates/admin/webhooks/webhookendpoint/confirm.html" in names
    assert not [name for name in names if "testimonial" in name.lower()]


@pytest.fixture
def worker_processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def take(step: Step, project: Path, env: dict[str, str]) -> str:
    if step.kind in ("write", "append"):
        target = project / step.path
        text = target.read_text() + "\n\n" if step.kind == "append" else ""
        target.write_text(text + step.code)
        return ""
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", step.code],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"{step.code}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_a_new_project_sends_its_signal_as_a_signed_webhook(
    wheel: Path,
    receiver: Receiver,
    tmp_path: Path,
    worker_processes: list[subprocess.Popen[bytes]],
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    env = {
        **child_env(),
        "WEBHOOKS_WHEEL": str(wheel),
        "RECEIVER_URL": receiver.url("/orders"),
        "WEBHOOKS_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    }
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    printed = ""
    for step in steps():
        if step.kind == "worker":
            log = (tmp_path / "qcluster.log").open("wb")
            worker_processes.append(
                subprocess.Popen(
                    ["bash", "-c", step.code],
                    cwd=project,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        else:
            printed += take(step, project, env)
    assert [s.kind for s in steps()].count("worker") == 1

    receiver.wait_for(lambda seen: len(seen) >= 1, timeout=60)
    (request,) = receiver.at("/orders")
    secret = re.findall(r"whsec_\S+", printed)[-1]
    Webhook(secret).verify(request.body, request.headers)
    payload = json.loads(request.body)
    assert payload["type"] == "order.paid"
    assert payload["data"] == {"order": {"id": 1, "total": "12.50"}}
    assert request.headers["user-agent"].startswith("django-signal-webhooks/0.1.0 ")

    # The webhooks admin works in that project as it is.
    shown = take(
        Step(
            "run",
            "",
            '.venv/bin/python manage.py shell -c "\n'
            "from django.contrib.auth.models import User\n"
            "from django.test import Client\n"
            "client = Client(HTTP_HOST='localhost')\n"
            "client.force_login(User.objects.create_superuser('ops'))\n"
            "for model in ('webhookendpoint', 'webhookdelivery'):\n"
            "    page = '/admin/webhooks/' + model + '/'\n"
            '    print(page, client.get(page).status_code)"',
        ),
        project,
        env,
    )
    pages = [line.split() for line in shown.splitlines() if line.startswith("/admin/")]
    assert pages == [
        ["/admin/webhooks/webhookendpoint/", "200"],
        ["/admin/webhooks/webhookdelivery/", "200"],
    ]
