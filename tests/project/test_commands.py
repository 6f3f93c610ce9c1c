from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from tests.support.factories import make_superuser

pytestmark = pytest.mark.django_db


def test_models_and_migrations_agree() -> None:
    """A model change without its migration fails here, not on a user's machine."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def ensure_admin() -> str:
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_ensure_admin_creates_the_first_admin_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "ops")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-dev-password")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "ops@example.com")

    output = ensure_admin()

    assert User.objects.get(username="ops").check_password("a-long-dev-password")
    assert "log in as: ops" in output
    assert "http://127.0.0.1:8000/admin/" in output


def test_ensure_admin_reports_bad_variables_and_carries_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "ops")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-dev-password")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "not-an-email")
    err = io.StringIO()

    call_command("ensure_admin", stdout=io.StringIO(), stderr=err)

    assert "Could not create the admin user: Enter a valid email address." in err.getvalue()
    assert not User.objects.exists()


def test_ensure_admin_without_a_terminal_says_how_to_create_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO())

    output = ensure_admin()

    assert not User.objects.exists()
    assert "manage.py createsuperuser" in output


def test_ensure_admin_leaves_an_existing_admin_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    make_superuser(username="boss")
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "other")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-dev-password")

    assert "log in as: boss" in ensure_admin()
    assert User.objects.count() == 1
