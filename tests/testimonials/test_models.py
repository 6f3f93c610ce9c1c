"""Validation with clear errors, the rating constraint, anonymity, slugs and helpers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from pytest_django import Settings

from testimonials.models import Testimonial, TestimonialCategory, TestimonialMedia, media_type_for
from tests.support.factories import (
    build_testimonial,
    make_category,
    make_testimonial,
    make_user,
    png_upload,
)

pytestmark = pytest.mark.django_db


def field_errors(testimonial: Testimonial) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        testimonial.full_clean()
    return refused.value.message_dict


@pytest.mark.parametrize("rating", [0, 6, 100])
def test_rating_outside_1_to_5_is_a_validation_error_on_rating(rating: int) -> None:
    errors = field_errors(build_testimonial(rating=rating))

    assert list(errors) == ["rating"]


@pytest.mark.parametrize("rating", [1, 3, 5])
def test_ratings_1_to_5_are_valid(rating: int) -> None:
    build_testimonial(rating=rating).full_clean()


@pytest.mark.parametrize("rating", [0, 6])
def test_the_database_refuses_a_rating_outside_1_to_5(rating: int) -> None:
    testimonial = make_testimonial()

    with pytest.raises(IntegrityError), transaction.atomic():
        Testimonial.objects.filter(pk=testimonial.pk).update(rating=rating)


def test_content_too_short_names_the_field_and_the_minimum() -> None:
    errors = field_errors(build_testimonial(content="  Great!  "))

    assert list(errors) == ["content"]
    assert "at least 10 characters" in errors["content"][0]


def test_content_too_long_names_the_field(settings: Settings) -> None:
    settings.TESTIMONIALS_CONTENT_MAX_LENGTH = 50

    errors = field_errors(build_testimonial(content="x" * 51))

    assert "50 characters" in errors["content"][0]


def test_content_limits_follow_settings_without_a_migration(settings: Settings) -> None:
    settings.TESTIMONIALS_CONTENT_MIN_LENGTH = 3

    build_testimonial(content="Good").full_clean()


def test_a_named_testimonial_needs_a_name() -> None:
    errors = field_errors(build_testimonial(author_name=""))

    assert "author_name" in errors


def test_an_anonymous_testimonial_needs_no_name_or_email_and_shows_anonymous() -> None:
    testimonial = build_testimonial(author_name="", author_email="", is_anonymous=True)
    testimonial.full_clean()
    testimonial.save()

    assert testimonial.author_display == "Anonymous"
    assert str(testimonial).startswith("Anonymous: ")


def test_an_anonymous_testimonial_hides_a_given_name() -> None:
    testimonial = make_testimonial(author_name="Ada Lovelace", is_anonymous=True)

    assert testimonial.author_display == "Anonymous"
    assert "Ada" not in str(testimonial)
    assert "ada" not in testimonial.slug


def test_the_author_user_fills_in_name_and_email() -> None:
    user = make_user(first_name="Grace", last_name="Hopper", email="grace@example.com")
    testimonial = build_testimonial(author=user, author_name="", author_email="")

    testimonial.full_clean()
    testimonial.save()

    assert (testimonial.author_name, testimonial.author_email) == (
        "Grace Hopper",
        "grace@example.com",
    )


def test_slugs_are_generated_unique_and_kept() -> None:
    first = make_testimonial(title="Fast delivery")
    second = make_testimonial(title="Fast delivery")

    assert first.slug.startswith("fast-delivery-")
    assert first.slug != second.slug
    original = first.slug
    first.title = "Renamed"
    first.save()
    assert Testimonial.objects.get(pk=first.pk).slug == original


def test_a_slug_comes_from_the_content_when_there_is_no_title() -> None:
    assert make_testimonial(title="", content="Ünïcode is fine here").slug.startswith(
        "unicode-is-fine-here-"
    )
    assert make_testimonial(title="", content="日本語のテキストです").slug.startswith(
        "testimonial-"
    )


def test_status_helpers() -> None:
    made = {
        status: make_testimonial(status=status)
        for status in ["pending", "approved", "rejected", "featured", "archived"]
    }

    for status in made:
        assert list(getattr(Testimonial.objects, status)()) == [made[status]]
    assert set(Testimonial.objects.published()) == {made["approved"], made["featured"]}
    assert made["featured"].is_published
    assert not made["archived"].is_published


def test_category_slugs_are_generated_and_unique() -> None:
    first = make_category(name="Customer Support")
    second = make_category(name="Customer Support")

    assert (first.slug, second.slug) == ("customer-support", "customer-support-2")
    assert str(first) == "Customer Support"
    assert list(TestimonialCategory.objects.active()) == [first, second]


def test_deleting_a_category_keeps_its_testimonials() -> None:
    category = make_category()
    testimonial = make_testimonial(category=category)

    category.delete()

    assert Testimonial.objects.get(pk=testimonial.pk).category is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.jpg", "image"),
        ("b.mp4", "video"),
        ("c.mp3", "audio"),
        ("d.pdf", "document"),
        ("e.unknownext", "document"),
    ],
)
def test_media_type_is_guessed_from_the_file_name(name: str, expected: str) -> None:
    assert media_type_for(name) == expected


def test_only_one_media_is_primary() -> None:
    testimonial = make_testimonial()
    first = testimonial.add_media(png_upload("1.png"), is_primary=True)
    second = testimonial.add_media(png_upload("2.png"), is_primary=True)

    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)
    assert list(testimonial.media.all()) == [first, second]
    assert str(second) == second.file.name


def test_media_refuses_files_that_could_run_in_a_browser() -> None:
    testimonial = make_testimonial()
    page = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html")

    with pytest.raises(ValidationError) as refused:
        testimonial.add_media(page)

    assert "file" in refused.value.message_dict
    assert not TestimonialMedia.objects.exists()


def test_media_over_the_size_limit_is_refused(settings: Settings) -> None:
    settings.TESTIMONIALS_MEDIA_MAX_BYTES = 10
    testimonial = make_testimonial()

    with pytest.raises(ValidationError) as refused:
        testimonial.add_media(png_upload())

    assert "limit is 10 bytes" in refused.value.message_dict["file"][0]
