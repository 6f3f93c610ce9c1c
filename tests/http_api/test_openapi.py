"""The OpenAPI document: committed as ``docs/openapi.yaml`` and never out of date, valid,
served with its docs page from our own static files."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from django.test import Client
from rest_framework.test import APIClient

from tests.support.event_types import EVENT_TYPES
from tests.support.factories import make_staff, make_user
from tests.support.node_tools import node_tool
from tests.support.openapi_document import COMMITTED, operations
from tests.support.processes import ROOT, child_env, manage


def test_the_committed_document_is_what_the_code_generates(tmp_path: Path) -> None:
    # As `make openapi` writes it: on the default database, whose integer columns give
    # the documented ranges (PostgreSQL's integer is narrower than SQLite's).
    generated = tmp_path / "openapi.yaml"
    made = manage(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(generated),
        env=child_env(DATA_DIR=str(tmp_path)),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert generated.read_text() == COMMITTED.read_text(), (
        "docs/openapi.yaml is out of date: run `make openapi` and commit it"
    )


def test_it_describes_every_webhook_with_its_schema() -> None:
    document = yaml.safe_load(COMMITTED.read_text())
    assert document["openapi"].startswith("3.1")
    assert set(document["webhooks"]) == set(EVENT_TYPES)
    approved = document["webhooks"]["testimonial.approved"]["post"]
    ref = approved["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["properties"]["type"] == {"const": "testimonial.approved"}
    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


@pytest.mark.django_db
def test_schema_needs_a_key_or_a_staff_session(
    api_client: Callable[..., APIClient], client: Client
) -> None:
    assert api_client(key=None).get("/api/schema/").status_code == 401
    assert api_client("webhooks:read").get("/api/schema/").status_code == 200
    client.force_login(make_user())
    assert client.get("/api/docs/").status_code == 403
    client.force_login(make_staff())
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page.content.decode()
    # Every script and style from this service: no CDN. (Not a search for "cdn" in the
    # page: its random CSRF token once contained those letters.)
    sources = re.findall(r'(?:src|href)="([^"]*)"', page.content.decode())
    assert sources
    assert all(source.startswith("/") for source in sources), sources
    assert client.get("/api/schema/").status_code == 200


def test_operation_ids_read_as_actions() -> None:
    ids = {operation["operationId"] for _, _, operation in operations()}

    # SPEC §8's examples, and no `_create` suffix on an action.
    assert {
        "testimonials_list",
        "testimonials_approve",
        "endpoints_rotate_secret",
        "deliveries_replay",
        "deliveries_replay_selection",
    } <= ids
    assert not [i for i in ids if i.endswith("_create") and i.count("_") > 1]


def test_every_operation_has_a_summary_a_description_and_its_scope() -> None:
    for _, _, operation in operations():
        name = operation["operationId"]
        assert operation.get("summary"), name
        assert re.search(r"Needs the scope `[a-z]+:[a-z]+`\.", operation["description"]), name


def test_every_operation_documents_its_errors_as_problems() -> None:
    for path, _, operation in operations():
        responses = operation["responses"]
        assert {"401", "403", "429", "500"} <= set(responses), operation["operationId"]
        if "{" in path:
            assert "404" in responses, operation["operationId"]
        for status, response in responses.items():
            if int(status) >= 400:
                content = response["content"]
                assert list(content) == ["application/problem+json"], (path, status)
                assert content["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }
        assert "Retry-After" in responses["429"]["headers"]


def test_request_bodies_are_json_but_the_media_upload() -> None:
    bodies = {
        operation["operationId"]: list(operation["requestBody"]["content"])
        for _, _, operation in operations()
        if "requestBody" in operation
    }

    assert bodies.pop("testimonials_media") == ["multipart/form-data"]
    assert bodies
    assert all(types == ["application/json"] for types in bodies.values()), bodies


def test_redocly_s_recommended_rules_find_nothing_to_report() -> None:
    """Errors and warnings both: what a docs tool or a client generator would trip on
    (redocly.yaml turns off only the trailing-slash rule, as Django writes paths)."""
    redocly = node_tool("redocly")

    result = subprocess.run(
        [str(redocly), "lint", str(COMMITTED), "--format", "stylish"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Woohoo! Your API description is valid." in result.stdout + result.stderr
    assert " warning " not in result.stdout
