"""compose.yaml: every variable it gives the service is one the service reads, and it
runs what a deployment needs (web, worker, a one-off migrate, PostgreSQL, Redis)."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import yaml

from settings import environment
from tests.support.processes import ROOT

APP_SERVICES = ("migrate", "web", "worker")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def read_by_the_service() -> set[str]:
    """Variable names the settings read from the environment."""
    names: set[str] = set()
    for path in (ROOT / "settings").glob("*.py"):
        names |= set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', path.read_text()))
    return names | set(environment.WEBHOOKS_VARIABLES)


def test_the_services_a_deployment_needs() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "worker"}
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["worker"]["command"] == ["python", "manage.py", "qcluster"]
    for name in ("web", "worker"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"
    assert services["web"]["ports"] == ["8000:8000"]


def test_every_variable_is_a_setting_the_service_reads() -> None:
    known = read_by_the_service()
    assert {"DATABASE_URL", "DJANGO_SECRET_KEY", "Q_WORKERS"} <= known  # the scan works
    services = compose()["services"]
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        unknown = set(environment) - known
        assert not unknown, f"{name}: {sorted(unknown)} are not read by the settings"
        # What production refuses to start without is there.
        for required in ("DJANGO_SECRET_KEY", "WEBHOOKS_ENCRYPTION_KEYS", "DATABASE_URL"):
            assert required in environment, (name, required)
        assert environment["DJANGO_DEBUG"] == "false"


def test_the_image_copies_every_package_the_project_installs() -> None:
    """A renamed or new package must reach the image: caught here, not after a build."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    found = re.search(r"\[tool\.setuptools\.packages\.find\]\ninclude = \[([^\]]*)\]", pyproject)
    assert found
    names = (name.strip().strip('"').rstrip("*") for name in found.group(1).split(","))
    packages = {name for name in names if name}
    copied = set(re.findall(r"^COPY (\w+) \./\1$", (ROOT / "Dockerfile").read_text(), re.M))
    assert packages == copied


def test_the_webhooks_wheel_asks_for_the_projects_own_dependency_ranges() -> None:
    """reuse/pyproject.toml (``make wheel``) lists a subset of the project's dependencies,
    each with the project's range: an upgrade is made once, in pyproject.toml, and this
    says where else."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wheel = tomllib.loads((ROOT / "reuse" / "pyproject.toml").read_text())["project"]
    assert set(wheel["dependencies"]) <= set(project["dependencies"])
    assert (wheel["version"], wheel["requires-python"]) == (
        project["version"],
        project["requires-python"],
    )
