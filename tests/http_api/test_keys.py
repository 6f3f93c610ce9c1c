"""API keys: shown once, stored hashed, scoped, revocable, from the admin and commands."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from http_api.models import ApiKey
from tests.support.factories import make_api_key, make_staff, make_superuser

pytestmark = pytest.mark.django_db

STATUS_URL = "/api/v1/status/"


def test_only_a_hash_is_stored_and_the_prefix_names_the_key() -> None:
    key, raw_key = make_api_key("webhooks:read")
    stored = ApiKey.objects.values_list("prefix", "key_hash").get(pk=key.pk)
    assert raw_key.startswith(f"twk_{stored[0]}.")
    assert stored[1] == hashlib.sha256(raw_key.encode()).hexdigest()
    assert raw_key not in str(ApiKey.objects.values().get(pk=key.pk))
    assert ApiKey.find(raw_key) == key


@pytest.mark.parametrize(
    "mangle",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # right prefix, wrong secret
        lambda k: k.replace("twk_", "twx_"),
        lambda k: k.split(".")[0],
        lambda k: "twk_" + "0" * 8 + "." + k.split(".")[1],  # unknown prefix
        lambda k: "",
    ],
)
def test_anything_but_the_exact_key_is_refused(mangle: Callable[[str], str]) -> None:
    _, raw_key = make_api_key()
    assert ApiKey.find(mangle(raw_key)) is None


def test_unknown_scopes_are_refused() -> None:
    with pytest.raises(Exception, match="Unknown scope webhooks:admin"):
        make_api_key("webhooks:admin")


def test_a_revoked_key_answers_401_at_once(api_client: Callable[..., APIClient]) -> None:
    key, raw_key = make_api_key("webhooks:read")
    client = api_client(key=raw_key)
    assert client.get(STATUS_URL).status_code == 200
    assert key.revoke() is True
    assert key.revoke() is False
    answer = client.get(STATUS_URL)
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_malformed_header_is_401(api_client: Callable[..., APIClient]) -> None:
    client = api_client(key=None)
    for header in ("Bearer", "Bearer a b", "Bearer \xff"):
        client.credentials(HTTP_AUTHORIZATION=header)
        assert client.get(STATUS_URL).status_code == 401, header


def test_last_used_is_written_at_most_once_a_minute(
    api_client: Callable[..., APIClient], django_assert_num_queries: Callable[..., object]
) -> None:
    key, raw_key = make_api_key("webhooks:read")
    client = api_client(key=raw_key)
    client.get(STATUS_URL)
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None
    client.get(STATUS_URL)
    key.refresh_from_db()
    assert key.last_used_at == first
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(STATUS_URL)
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert key.last_used_at > first


def test_requests_are_throttled_per_key(
    api_client: Callable[..., APIClient], settings: object
) -> None:
    settings.API_KEY_RATE = "3/minute"  # type: ignore[attr-defined]
    first, second = api_client("webhooks:read"), api_client("webhooks:read")
    assert [first.get(STATUS_URL).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get(STATUS_URL).status_code == 200


def test_create_api_key_prints_the_key_once(capsys: pytest.CaptureFixture[str]) -> None:
    user = make_staff(
        "testimonials.view_testimonial",
        "testimonials.add_testimonial",
        "testimonials.change_testimonial",
        username="moderator",
    )
    call_command(
        "create_api_key", "website", "--scope", "testimonials:write", "testimonials:read",
        "--user", "moderator",
    )  # fmt: skip
    out, err = capsys.readouterr()
    key = ApiKey.objects.get(name="website")
    assert ApiKey.find(out.strip()) == key
    assert key.scopes == ["testimonials:write", "testimonials:read"]
    assert key.user == user
    assert "shown only now" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--scope", "nope"], "scopes: Unknown scope nope"),
        (["x", "--scope", "all", "--user", "ghost"], "--user: there is no user 'ghost'"),
    ],
)
def test_create_api_key_refuses_mistakes(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("create_api_key", *args)
    assert not ApiKey.objects.exists()


def test_create_api_key_refuses_a_taken_name() -> None:
    make_api_key(name="website")
    with pytest.raises(CommandError, match="name: API key with this Name already exists"):
        call_command("create_api_key", "website", "--scope", "all")


def test_revoke_api_key(capsys: pytest.CaptureFixture[str]) -> None:
    _, raw_key = make_api_key(name="old")
    call_command("revoke_api_key", "old")
    assert "Revoked API key 'old'" in capsys.readouterr().out
    assert ApiKey.find(raw_key) is None
    call_command("revoke_api_key", "old")
    assert "revoked already" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no API key named 'nope'"):
        call_command("revoke_api_key", "nope")


def test_the_admin_shows_a_new_key_once_and_revokes(client: Client) -> None:
    admin_user = make_superuser()
    client.force_login(admin_user)
    page = client.post(
        reverse("admin:api_apikey_add"),
        {"name": "crm", "scopes": ["webhooks:read", "webhooks:write"], "user": admin_user.pk},
    )
    assert page.status_code == 200
    raw_key = page.context["raw_key"]
    key = ApiKey.objects.get(name="crm")
    assert ApiKey.find(raw_key) == key
    assert key.user == admin_user
    assert "shown only this once" in page.content.decode()
    change = client.get(reverse("admin:api_apikey_change", args=[key.pk])).content.decode()
    assert key.shown_prefix in change
    assert raw_key not in change

    client.post(
        reverse("admin:api_apikey_changelist"),
        {"action": "revoke_selected", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key.revoked_at <= timezone.now()
    assert ApiKey.find(raw_key) is None
