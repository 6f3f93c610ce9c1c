"""``/api/v1/testimonials/`` and ``/api/v1/categories/``: the models' own rules, the same
signals as the admin (exactly once), public submission, fixed query counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries, Settings
from rest_framework.test import APIClient

from testimonials.models import Testimonial
from tests.support.factories import (
    make_api_key,
    make_category,
    make_staff,
    make_testimonial,
    png_upload,
)
from tests.support.problems import refused
from tests.support.signals import SignalLog

pytestmark = pytest.mark.django_db

LIST = "/api/v1/testimonials/"
GOOD = {"author_name": "Ann", "content": "Helpful and quick, thank you.", "rating": 5}


def detail(testimonial: Testimonial, action: str = "") -> str:
    return f"{LIST}{testimonial.pk}/" + (f"{action}/" if action else "")


def test_create_fires_created_once_and_stays_pending(
    api_client: Callable[..., APIClient], signal_log: SignalLog
) -> None:
    answer = api_client("testimonials:write").post(LIST, {**GOOD, "status": "approved"})
    assert answer.status_code == 201, answer.content
    assert answer.data["status"] == "pending"  # status is read-only
    assert signal_log.names() == ["created"]
    assert Testimonial.objects.get(pk=answer.data["id"]).content == GOOD["content"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**GOOD, "rating": 6}, "rating", "less than or equal to 5"),
        ({**GOOD, "content": "short"}, "content", "Write at least 10 characters"),
        ({**GOOD, "author_name": ""}, "author_name", "or mark the testimonial anonymous"),
        ({**GOOD, "category": 999}, "category", "does not exist"),
        ({**GOOD, "author_email": "nope"}, "author_email", "valid email"),
        ({"content": "x" * 20}, "rating", "required"),
    ],
)
def test_bad_input_gets_field_messages(
    api_client: Callable[..., APIClient], body: dict[str, Any], field: str, message: str
) -> None:
    answer = api_client("testimonials:write").post(LIST, body, format="json")
    assert answer.status_code == 400
    assert message in " ".join(refused(answer)[field])
    assert not Testimonial.objects.exists()


def test_each_moderation_action_fires_its_signal_once(
    api_client: Callable[..., APIClient], signal_log: SignalLog
) -> None:
    moderator = make_staff("testimonials.change_testimonial", "testimonials.view_testimonial")
    _, raw_key = make_api_key("testimonials:moderate", "testimonials:read", user=moderator)
    client = api_client(key=raw_key)
    testimonial = make_testimonial()
    signal_log.clear()

    assert client.post(detail(testimonial, "approve")).data["status"] == "approved"
    assert client.post(detail(testimonial, "approve")).status_code == 200  # no change
    client.post(detail(testimonial, "feature"))
    client.post(detail(testimonial, "respond"), {"response": "Thank you!"})
    client.post(detail(testimonial, "reject"), {"reason": "Duplicate"})
    answer = client.post(detail(testimonial, "archive"))

    assert signal_log.names() == ["approved", "featured", "responded", "rejected", "archived"]
    assert signal_log.only("approved")["user"] == moderator
    assert signal_log.only("rejected")["reason"] == "Duplicate"
    assert answer.data["response"] == "Thank you!"
    testimonial.refresh_from_db()
    assert testimonial.approved_by == moderator
    assert testimonial.response_by == moderator


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [("reject", {}, "reason"), ("respond", {"response": "  "}, "response")],
)
def test_actions_refuse_missing_text(
    api_client: Callable[..., APIClient],
    signal_log: SignalLog,
    action: str,
    body: dict[str, str],
    field: str,
) -> None:
    testimonial = make_testimonial()
    signal_log.clear()
    answer = api_client("testimonials:moderate").post(detail(testimonial, action), body)
    assert answer.status_code == 400
    assert field in refused(answer)
    assert signal_log.names() == []


def test_patch_edits_content_and_fires_nothing(
    api_client: Callable[..., APIClient], signal_log: SignalLog
) -> None:
    testimonial = make_testimonial()
    signal_log.clear()
    client = api_client("testimonials:write", "testimonials:read")
    answer = client.patch(detail(testimonial), {"title": "New", "status": "approved"})
    assert answer.status_code == 200
    assert answer.data["status"] == "pending"
    assert answer.data["title"] == "New"
    assert client.patch(detail(testimonial), {"rating": 0}).status_code == 400
    assert signal_log.names() == []


def test_media_upload_fires_media_added(
    api_client: Callable[..., APIClient], signal_log: SignalLog
) -> None:
    testimonial = make_testimonial()
    signal_log.clear()
    client = api_client("testimonials:write", "testimonials:read")
    answer = client.post(
        detail(testimonial, "media"), {"file": png_upload(), "title": "Us"}, format="multipart"
    )
    assert answer.status_code == 201, answer.content
    assert answer.data["media_type"] == "image"
    assert signal_log.names() == ["media_added"]
    bad = client.post(
        detail(testimonial, "media"),
        {"file": png_upload("page.html")},
        format="multipart",
    )
    assert bad.status_code == 400
    assert "file" in refused(bad)


def test_anonymous_testimonials_show_no_identity(api_client: Callable[..., APIClient]) -> None:
    testimonial = make_testimonial(is_anonymous=True, author_email="a@b.c", company="Acme")
    data = api_client("testimonials:read").get(detail(testimonial)).data
    assert (data["author_name"], data["author_email"], data["company"]) == (
        "Anonymous",
        None,
        None,
    )


def test_filters(api_client: Callable[..., APIClient]) -> None:
    support = make_category(name="Support")
    make_testimonial(rating=5, category=support).approve()
    make_testimonial(rating=3).feature()
    make_testimonial(rating=5)
    client = api_client("testimonials:read")

    def count(query: str) -> int:
        return len(client.get(f"{LIST}?{query}").data["results"])

    assert count("status=pending") == 1
    assert count("published=true") == 2
    assert count("published=false") == 1
    assert count("rating=5") == 2
    assert count(f"category={support.pk}") == 1
    assert count("rating_min=4&published=true") == 1
    assert client.get(f"{LIST}?status=nonsense").status_code == 400


def test_unknown_ids_are_404(api_client: Callable[..., APIClient]) -> None:
    client = api_client()
    assert client.get(f"{LIST}999/").status_code == 404
    assert client.post(f"{LIST}999/approve/").status_code == 404
    assert client.get("/api/v1/categories/999/").status_code == 404


def test_delete(api_client: Callable[..., APIClient]) -> None:
    testimonial = make_testimonial()
    assert api_client("testimonials:write").delete(detail(testimonial)).status_code == 204
    assert not Testimonial.objects.exists()


def test_categories(api_client: Callable[..., APIClient]) -> None:
    client = api_client("testimonials:write", "testimonials:read")
    created = client.post("/api/v1/categories/", {"name": "Customer support"}).data
    assert created["slug"] == "customer-support"
    taken = client.post("/api/v1/categories/", {"name": "Other", "slug": "customer-support"})
    assert taken.status_code == 400
    assert "slug" in refused(taken)
    assert client.patch(f"/api/v1/categories/{created['id']}/", {"order": 3}).data["order"] == 3


@pytest.mark.parametrize("rows", [1, 50])
def test_a_list_page_costs_the_same_queries_whatever_its_size(
    api_client: Callable[..., APIClient],
    django_assert_num_queries: DjangoAssertNumQueries,
    rows: int,
) -> None:
    category = make_category()
    for _ in range(rows):
        make_testimonial(category=category).add_media(png_upload())
    client = api_client("testimonials:read")
    client.get(LIST)  # the key's last use is written once a minute, not in the count
    # Key lookup, the page, its media: three, with 1 row or 50.
    with django_assert_num_queries(3):
        answer = client.get(f"{LIST}?page_size=50")
    assert len(answer.data["results"]) == rows


def test_pages_follow_with_a_cursor(api_client: Callable[..., APIClient]) -> None:
    made = [make_testimonial().pk for _ in range(5)]
    client = api_client("testimonials:read")
    seen: list[int] = []
    url: str | None = f"{LIST}?page_size=2"
    while url:
        page = client.get(url).data
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted(made, reverse=True)


class PublicSubmissionTests:
    @pytest.fixture(autouse=True)
    def _public(self, settings: Settings) -> None:
        settings.TESTIMONIALS_PUBLIC_SUBMISSION = True
        settings.TESTIMONIALS_PUBLIC_RATE = "2/hour"

    def test_anyone_may_submit_but_not_choose_verification(
        self, api_client: Callable[..., APIClient], signal_log: SignalLog
    ) -> None:
        client = api_client(key=None)
        answer = client.post(LIST, {**GOOD, "is_verified": True, "source": "email"})
        assert answer.status_code == 201
        saved = Testimonial.objects.get()
        # A receipt: a visitor reads nothing back that a key without read scope could not.
        assert answer.json() == {"id": saved.pk, "slug": saved.slug, "status": "pending"}
        assert (saved.is_verified, saved.source) == (False, "website")
        assert signal_log.names() == ["created"]
        assert client.get(LIST).status_code == 401  # reading still needs a key

    def test_throttled_per_client_address(self, api_client: Callable[..., APIClient]) -> None:
        client = api_client(key=None)
        codes = [client.post(LIST, GOOD, REMOTE_ADDR="203.0.113.7").status_code for _ in range(3)]
        assert codes == [201, 201, 429]
        # A forged forwarded address does not buy a fresh allowance…
        forged = client.post(
            LIST, GOOD, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1"
        )
        assert forged.status_code == 429
        # …but another client has its own.
        assert client.post(LIST, GOOD, REMOTE_ADDR="203.0.113.8").status_code == 201
        # Keys are not held to the public rate.
        assert api_client("testimonials:write").post(LIST, GOOD).status_code == 201

    def test_behind_a_trusted_proxy_the_forwarded_address_counts(
        self, api_client: Callable[..., APIClient], settings: Settings
    ) -> None:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
        client = api_client(key=None)
        for visitor in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
            answer = client.post(LIST, GOOD, HTTP_X_FORWARDED_FOR=visitor, REMOTE_ADDR="10.0.0.2")
            assert answer.status_code == 201


def test_without_public_submission_a_key_is_needed(api_client: Callable[..., APIClient]) -> None:
    assert api_client(key=None).post(LIST, GOOD).status_code == 401
