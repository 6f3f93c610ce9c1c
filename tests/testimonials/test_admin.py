"""The moderation admin: every path sends its signal per item, bad input is a form error."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from testimonials.models import Testimonial
from tests.support.factories import make_category, make_testimonial, make_user, png_upload
from tests.support.signals import SignalLog

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:testimonials_testimonial_changelist")
ADD = reverse("admin:testimonials_testimonial_add")


def change_url(testimonial: Testimonial) -> str:
    return reverse("admin:testimonials_testimonial_change", args=[testimonial.pk])


def form_data(testimonial: Testimonial | None = None, /, **overrides: Any) -> dict[str, Any]:
    """What the change form posts: the instance's current values plus overrides."""
    data: dict[str, Any] = {
        "title": "Great service",
        "content": "They answered every question within the hour.",
        "rating": "5",
        "category": "",
        "source": "website",
        "author": "",
        "author_name": "Ada",
        "author_email": "ada@example.com",
        "company": "",
        "status": "pending",
        "rejection_reason": "",
        "response": "",
        "media-TOTAL_FORMS": "0",
        "media-INITIAL_FORMS": "0",
        "media-MIN_NUM_FORMS": "0",
        "media-MAX_NUM_FORMS": "1000",
    }
    if testimonial is not None:
        for name in (
            "title",
            "content",
            "rating",
            "source",
            "author_name",
            "author_email",
            "company",
            "status",
            "rejection_reason",
            "response",
        ):
            data[name] = str(getattr(testimonial, name))
    return {**data, **overrides}


@pytest.fixture
def staff(admin_user: User) -> User:
    return admin_user


def test_the_changelist_lists_filters_and_searches(admin_client: Client) -> None:
    category = make_category(name="Support")
    make_testimonial(author_name="Ada Lovelace", status="approved", category=category)
    make_testimonial(author_name="Grace", is_anonymous=True)

    page = admin_client.get(CHANGELIST).content.decode()
    filtered = admin_client.get(CHANGELIST, {"status__exact": "approved"}).content.decode()
    # Not "Ada": slugs end in random hex, which "ada" is (1 run in ~500 matched Grace's).
    searched = admin_client.get(CHANGELIST, {"q": "Lovelace"}).content.decode()

    assert "Ada" in page
    assert "Anonymous" in page
    assert "Grace" not in page
    for facet in ("By status", "By rating", "By category", "By is anonymous", "By is verified"):
        assert facet in page
    for result in (filtered, searched):
        assert "Ada" in result
        assert "Anonymous" not in result


def test_editing_the_status_in_the_form_sends_the_signal_once(
    admin_client: Client, staff: User, signal_log: SignalLog
) -> None:
    testimonial = make_testimonial()
    signal_log.clear()

    response = admin_client.post(change_url(testimonial), form_data(testimonial, status="approved"))

    assert response.status_code == 302
    assert signal_log.names() == ["approved"]
    assert signal_log.only("approved")["user"] == staff
    assert Testimonial.objects.get(pk=testimonial.pk).approved_by == staff


def test_saving_the_form_unchanged_sends_nothing(
    admin_client: Client, signal_log: SignalLog
) -> None:
    testimonial = make_testimonial(status="featured")
    signal_log.clear()

    response = admin_client.post(change_url(testimonial), form_data(testimonial))

    assert response.status_code == 302
    assert signal_log.names() == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rating", "9", "less than or equal to 5"),
        ("rating", "0", "greater than or equal to 1"),
        ("content", "Short", "at least 10 characters"),
        ("author_name", "", "mark the testimonial anonymous"),
    ],
)
def test_bad_input_is_a_form_error_not_a_500(
    admin_client: Client, signal_log: SignalLog, field: str, value: str, message: str
) -> None:
    testimonial = make_testimonial()
    signal_log.clear()

    response = admin_client.post(
        change_url(testimonial), form_data(testimonial, status="approved", **{field: value})
    )

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert message in response.content.decode()
    assert signal_log.names() == []
    assert Testimonial.objects.get(pk=testimonial.pk).status == "pending"


def test_adding_with_a_media_inline_sends_created_then_media_added(
    admin_client: Client, signal_log: SignalLog
) -> None:
    data = form_data(
        **{
            "media-TOTAL_FORMS": "1",
            "media-0-file": png_upload(),
            "media-0-media_type": "",
            "media-0-title": "Storefront",
            "media-0-is_primary": "on",
            "media-0-order": "0",
        }
    )

    response = admin_client.post(ADD, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert signal_log.names() == ["created", "media_added"]
    media = Testimonial.objects.get().media.get()
    assert (media.media_type, media.is_primary) == ("image", True)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("approve_selected", "approved"),
        ("feature_selected", "featured"),
        ("archive_selected", "archived"),
    ],
)
def test_bulk_actions_send_one_signal_per_item(
    admin_client: Client, signal_log: SignalLog, action: str, status: str
) -> None:
    to_move = [make_testimonial(), make_testimonial()]
    already = make_testimonial(status=status)
    untouched = make_testimonial()
    signal_log.clear()

    response = admin_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [t.pk for t in [*to_move, already]]},
        follow=True,
    )

    assert signal_log.names() == [status, status]
    assert {kw["instance"].pk for _, kw in signal_log.sent} == {t.pk for t in to_move}
    page = response.content.decode()
    assert f"2 testimonial(s) {status}" in page
    assert f"1 testimonial(s) were already {status}" in page
    assert Testimonial.objects.get(pk=untouched.pk).status == "pending"


def test_reject_asks_for_a_reason_then_rejects_each_with_it(
    admin_client: Client, staff: User, signal_log: SignalLog
) -> None:
    chosen = [make_testimonial(), make_testimonial()]
    selection = {"action": "reject_selected", "_selected_action": [t.pk for t in chosen]}
    signal_log.clear()

    asked = admin_client.post(CHANGELIST, selection)
    assert asked.status_code == 200
    assert 'name="reason"' in asked.content.decode()
    assert signal_log.names() == []

    done = admin_client.post(
        CHANGELIST, {**selection, "confirm": "Reject", "reason": "Off-topic"}, follow=True
    )

    assert "2 testimonial(s) rejected" in done.content.decode()
    assert signal_log.names() == ["rejected", "rejected"]
    assert all(kw["reason"] == "Off-topic" and kw["user"] == staff for _, kw in signal_log.sent)
    assert set(Testimonial.objects.values_list("rejection_reason", flat=True)) == {"Off-topic"}


def test_the_admin_is_for_staff_only(client: Client) -> None:
    make_testimonial()
    client.force_login(make_user())

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_category_admin_lists_categories(admin_client: Client) -> None:
    make_category(name="Onboarding")

    page = admin_client.get(reverse("admin:testimonials_testimonialcategory_changelist"))

    assert "Onboarding" in page.content.decode()


def test_the_root_redirects_to_the_admin(client: Client) -> None:
    assert client.get("/")["Location"] == "/admin/"
