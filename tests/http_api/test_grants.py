"""Nobody grants more than they hold (SPEC §10): each scope stands for Django permissions;
the admin form and ``create_api_key --user`` refuse what the grantor does not hold, a key
acts as its maker (another user, or nobody, only by a superuser's hand), it keeps only
what its user still holds, and reading a secret has a scope of its own, recorded."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from http_api import grants
from http_api.models import ApiKey
from http_api.scopes import PERMISSIONS, SCOPES
from tests.support.factories import make_api_key, make_endpoint, make_staff, make_superuser

pytestmark = pytest.mark.django_db

ADD_KEY = "api.add_apikey"


def test_every_scope_stands_for_permissions_that_exist() -> None:
    assert set(PERMISSIONS) == set(SCOPES)
    for needed in PERMISSIONS.values():
        for permission in needed:
            app_label, codename = permission.split(".")
            assert Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).exists(), permission


def test_a_staff_user_grants_only_what_they_hold() -> None:
    clerk = make_staff(ADD_KEY, "webhooks.view_webhookendpoint", "webhooks.view_webhookdelivery")

    assert grants.grantable(clerk) == ["webhooks:read"]
    assert grants.refusals(clerk, ["webhooks:read"], clerk) == []
    [problem] = grants.refusals(clerk, ["webhooks:read", "webhooks:secrets"], clerk)
    assert "webhooks:secrets" in problem
    assert "webhooks.reveal_secret" in problem
    assert "webhooks:read" not in problem


def test_only_a_superuser_makes_a_key_act_as_someone_else_or_nobody() -> None:
    clerk, other, root = make_staff(ADD_KEY), make_staff(), make_superuser()

    assert "Only a superuser" in grants.refusals(clerk, [], other)[0]
    assert "Only a superuser" in grants.refusals(clerk, [], None)[0]
    assert grants.refusals(root, [], None) == []
    # …but not with scopes the user it acts as does not hold: that key could not use them.
    assert "testimonials:read" in grants.refusals(root, ["testimonials:read"], other)[0]


def test_the_admin_form_refuses_a_scope_the_granting_user_does_not_hold(
    client: Client,
) -> None:
    """The finding: "add API key" alone made a key with every scope, acting as a
    superuser, which then read any signing secret."""
    clerk = make_staff(ADD_KEY, "webhooks.view_webhookendpoint", "webhooks.view_webhookdelivery")
    root = make_superuser()
    client.force_login(clerk)
    add = reverse("admin:api_apikey_add")

    form = client.get(add).content.decode()
    assert "You may give the scopes whose permissions you hold: webhooks:read." in form

    everything = client.post(add, {"name": "all", "scopes": list(SCOPES), "user": root.pk})
    assert everything.status_code == 200  # the form again, with its errors
    errors = " ".join(everything.context["adminform"].form.non_field_errors())
    assert "testimonials:read" in errors
    assert "webhooks:secrets" in errors
    assert not ApiKey.objects.exists()

    allowed = client.post(add, {"name": "mine", "scopes": ["webhooks:read"], "user": root.pk})
    assert allowed.status_code == 200
    key = ApiKey.objects.get(name="mine")
    assert key.user == clerk  # the field is fixed to its maker: the posted user is ignored


def test_a_non_superuser_cannot_edit_a_key_that_acts_as_someone_else(client: Client) -> None:
    clerk = make_staff(
        ADD_KEY,
        "api.change_apikey",
        "webhooks.view_webhookendpoint",
        "webhooks.view_webhookdelivery",
    )
    key, _ = make_api_key("webhooks:read", user=make_superuser(), name="ops")
    client.force_login(clerk)

    answer = client.post(
        reverse("admin:api_apikey_change", args=[key.pk]),
        {"name": "ops", "scopes": ["webhooks:read"]},
    )

    assert answer.status_code == 200
    assert "Only a superuser" in " ".join(answer.context["adminform"].form.non_field_errors())


def test_create_api_key_with_a_user_gives_only_what_they_hold(
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_staff("testimonials.view_testimonial", username="reader")

    with pytest.raises(CommandError, match="reader does not hold what webhooks:write"):
        call_command("create_api_key", "k1", "--scope", "webhooks:write", "--user", "reader")
    call_command("create_api_key", "k2", "--scope", "all", "--user", "reader")
    assert ApiKey.objects.get(name="k2").scopes == ["testimonials:read"]
    # Acting as nobody, from the server's command line: every scope but webhooks:secrets.
    call_command("create_api_key", "k3", "--scope", "all")
    assert "webhooks:secrets" not in ApiKey.objects.get(name="k3").scopes
    with pytest.raises(CommandError, match="webhooks:secrets needs a key that acts as a user"):
        call_command("create_api_key", "k4", "--scope", "webhooks:secrets")


def test_a_secrets_key_must_act_as_a_user() -> None:
    with pytest.raises(ValidationError, match="recorded against a person"):
        make_api_key("webhooks:secrets")


def test_a_key_keeps_only_what_its_user_still_holds(
    api_client: Callable[..., APIClient],
) -> None:
    reader = make_staff("testimonials.view_testimonial")
    client = api_client("testimonials:read", user=reader)
    assert client.get("/api/v1/testimonials/").status_code == 200

    reader.user_permissions.clear()
    assert client.get("/api/v1/testimonials/").status_code == 403

    reader.user_permissions.add(Permission.objects.get(codename="view_testimonial"))
    assert client.get("/api/v1/testimonials/").status_code == 200
    reader.is_active = False
    reader.save()
    assert client.get("/api/v1/testimonials/").status_code == 403


def test_reading_a_secret_needs_its_scope_and_is_recorded_against_the_key_s_user(
    api_client: Callable[..., APIClient],
) -> None:
    endpoint = make_endpoint()
    keeper = make_staff(
        "webhooks.reveal_secret", "webhooks.change_webhookendpoint", username="keeper"
    )
    path = f"/api/v1/endpoints/{endpoint.pk}/secret/"

    writer = api_client("webhooks:write", user=keeper)
    assert writer.get(path).status_code == 403
    assert not LogEntry.objects.exists()

    _, raw_key = make_api_key("webhooks:secrets", user=keeper, name="vault-sync")
    answer = api_client(key=raw_key).get(path)

    assert answer.json()["secret"] == endpoint.secret
    (entry,) = LogEntry.objects.all()
    assert (entry.user, entry.object_id) == (keeper, str(endpoint.pk))
    assert entry.get_change_message() == (
        'Revealed the signing secret (through API key "vault-sync").'
    )
    assert endpoint.secret not in entry.get_change_message()
