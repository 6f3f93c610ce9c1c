"""Who sees what in the admin (SPEC §10), page by page: every admin page is opened by a
staff user who may view everything and by a superuser, with a chat webhook URL, a
receiver's header value, a signing secret and an anonymous author planted where a
careless page would show them. Then the rules one by one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.support.factories import make_api_key, make_staff, make_superuser, make_testimonial
from tests.support.planted import CHAT_TOKEN, HEADER_VALUE, HIDDEN
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.validation import headers

pytestmark = pytest.mark.django_db


@dataclass
class Planted:
    endpoint: WebhookEndpoint
    delivery: WebhookDelivery
    ids: dict[str, object]


@pytest.fixture
def planted() -> Planted:
    endpoint = WebhookEndpoint(
        url=f"https://hooks.slack.com/services/T000/B000/{CHAT_TOKEN}",
        headers={"X-Team": HEADER_VALUE},
    )
    endpoint.full_clean()
    endpoint.save()
    name, email, company = HIDDEN
    testimonial = make_testimonial(
        is_anonymous=True, author_name=name, author_email=email, company=company
    )
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    key, _ = make_api_key("webhooks:read")
    ids: dict[str, object] = {
        "webhookendpoint": endpoint.pk,
        "webhookdelivery": delivery.pk,
        "webhookevent": delivery.event_id,
        "testimonial": testimonial.pk,
        "testimonialcategory": None,
        "testimonialmedia": None,
        "apikey": key.pk,
    }
    return Planted(endpoint, delivery, ids)


def every_admin_page(planted: Planted) -> dict[str, str]:
    """Each named admin page of our apps, for the planted object where it takes one."""
    pages = {}
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("webhooks", "testimonials", "api"):
            continue
        object_id = planted.ids.get(model._meta.model_name or "")
        for pattern in model_admin.get_urls():
            if not pattern.name:
                continue
            takes_id = "object_id" in str(pattern.pattern)
            if takes_id and object_id is None:
                continue
            try:
                pages[pattern.name] = reverse(
                    f"admin:{pattern.name}", args=[object_id] if takes_id else []
                )
            except NoReverseMatch:  # pragma: no cover - a page with other arguments
                continue
    return pages


def view_everything() -> User:
    staff = make_staff()
    staff.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return staff


def test_the_sweep_covers_the_pages_that_matter(planted: Planted) -> None:
    pages = every_admin_page(planted)
    for name in (
        "webhooks_webhookendpoint_changelist",
        "webhooks_webhookendpoint_change",
        "webhooks_webhookendpoint_history",
        "webhooks_webhookendpoint_preview",
        "webhooks_webhookendpoint_delete",
        "webhooks_webhookdelivery_change",
        "webhooks_webhookevent_change",
        "webhooks_overview_changelist",
        "testimonials_testimonial_change",
    ):
        assert name in pages


def test_a_viewer_sees_no_credential_and_no_anonymous_author(
    client: Client, planted: Planted
) -> None:
    client.force_login(view_everything())
    for name, url in every_admin_page(planted).items():
        page = client.get(url)
        assert page.status_code in (200, 302, 403, 405), (name, page.status_code)
        text = page.content.decode()
        for hidden in (CHAT_TOKEN, HEADER_VALUE, planted.endpoint.secret, *HIDDEN):
            assert hidden not in text, (name, hidden)


def test_a_superuser_sees_the_url_and_the_author_only_where_they_edit_them(
    client: Client, planted: Planted
) -> None:
    client.force_login(make_superuser())
    for name, url in every_admin_page(planted).items():
        text = client.get(url).content.decode()
        assert HEADER_VALUE not in text, name  # nobody, ever
        assert planted.endpoint.secret not in text, name  # only on purpose, by Reveal
        assert (CHAT_TOKEN in text) == (name == "webhooks_webhookendpoint_change"), name
        for identity in HIDDEN:
            assert (identity in text) <= (name == "testimonials_testimonial_change"), name


def test_the_endpoint_form_keeps_write_only_header_values(client: Client, planted: Planted) -> None:
    client.force_login(make_superuser())
    url = reverse("admin:webhooks_webhookendpoint_change", args=[planted.endpoint.pk])
    page = client.get(url).content.decode()
    assert headers.KEPT in page

    def save(headers_json: str) -> None:
        answer = client.post(
            url, {"url": planted.endpoint.url, "format": "slack", "headers": headers_json}
        )
        assert answer.status_code == 302, answer.content.decode()[-2000:]

    save(f'{{"X-Team": "{headers.KEPT}", "X-New": "n3w"}}')
    assert WebhookEndpoint.objects.get().headers == {"X-Team": HEADER_VALUE, "X-New": "n3w"}
    save('{"X-Team": "replaced"}')
    assert WebhookEndpoint.objects.get().headers == {"X-Team": "replaced"}


def test_urls_are_searched_only_by_those_who_see_them(client: Client, planted: Planted) -> None:
    """A search by URL would tell a viewer, one guess at a time, what the mask hides."""
    changelist = reverse("admin:webhooks_webhookendpoint_changelist")
    client.force_login(view_everything())
    assert "0 webhook endpoints" in client.get(changelist, {"q": CHAT_TOKEN}).content.decode()
    client.force_login(make_superuser())
    assert "1 webhook endpoint" in client.get(changelist, {"q": CHAT_TOKEN}).content.decode()


def test_anonymous_authors_are_not_searchable_by_viewers(client: Client, planted: Planted) -> None:
    changelist = reverse("admin:testimonials_testimonial_changelist")
    client.force_login(view_everything())
    assert "0 testimonials" in client.get(changelist, {"q": HIDDEN[1]}).content.decode()
    client.force_login(make_superuser())
    assert "1 testimonial" in client.get(changelist, {"q": HIDDEN[1]}).content.decode()


def test_the_payload_is_shown_to_those_who_may_read_the_event_log(
    client: Client, planted: Planted
) -> None:
    url = reverse("admin:webhooks_webhookdelivery_change", args=[planted.delivery.pk])
    client.force_login(make_staff("webhooks.view_webhookdelivery"))
    assert "field-payload" not in client.get(url).content.decode()
    client.force_login(make_staff("webhooks.view_webhookdelivery", "webhooks.view_webhookevent"))
    assert "field-payload" in client.get(url).content.decode()
