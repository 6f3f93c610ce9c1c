"""A Python client generated from the committed document with the command in docs/api.md,
unpatched, runs the docs' example against gunicorn, a real worker and a real receiver:
it creates an endpoint, submits a testimonial twice under one Idempotency-Key (one
testimonial), approves it, pages the delivery log and replays a delivery; every webhook
the receiver gets verifies with the secret the client was given."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from testimonials.models import Testimonial
from tests.support.client_examples import example, generate_command
from tests.support.factories import make_api_key, make_superuser
from tests.support.processes import ROOT, child_env
from tests.support.receiver import Receiver
from tests.support.web_process import gunicorn
from tests.support.worker import StartWorker, database_url
from webhooks.models import WebhookEvent

pytestmark = [
    pytest.mark.database_agnostic,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

DOCS_BASE = "http://127.0.0.1:8000"
DOCS_RECEIVER = "http://127.0.0.1:9000/"


def generate(into: Path) -> None:
    command = generate_command("openapi-python-client")
    command[0] = str(Path(sys.executable).parent / "openapi-python-client")
    command[command.index("--output-path") + 1] = str(into / "testimonials_api")
    # The venv's ruff on PATH: the generator formats what it writes with it.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    made = subprocess.run(
        command, cwd=ROOT, env=child_env(PATH=path), capture_output=True, text=True,
        timeout=180, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr


def test_the_generated_client_runs_the_docs_example(
    receiver: Receiver, start_worker: StartWorker, tmp_path: Path
) -> None:
    generate(tmp_path)
    _, key = make_api_key(user=make_superuser())
    start_worker()
    with gunicorn(tmp_path) as base:
        script = example("python").replace(DOCS_BASE, base)
        script = script.replace(DOCS_RECEIVER, receiver.url("/hooks"))
        ran = subprocess.run(
            [sys.executable, "-c", script],
            cwd=tmp_path,
            env=child_env(PYTHONPATH=str(tmp_path), API_KEY=key, DATABASE_URL=database_url()),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    secret = re.search(r"signing secret: (whsec_\S+)", ran.stdout)
    assert secret, ran.stdout

    assert Testimonial.objects.count() == 1
    assert WebhookEvent.objects.filter(type="testimonial.created").count() == 1
    receiver.wait_for(
        lambda seen: (
            {"testimonial.created", "testimonial.approved"} <= {_type(r.body) for r in seen}
        ),
        timeout=30,
    )
    verifier = Webhook(secret.group(1))
    for request in receiver.snapshot():
        verifier.verify(request.body, request.headers)


def _type(body: bytes) -> str:
    return str(json.loads(body)["type"])
