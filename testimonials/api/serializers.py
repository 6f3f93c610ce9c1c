"""Testimonials and categories as the API reads and writes them. Validation is the
models' own (``full_clean()``), so the API refuses exactly what the admin refuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from http_api.errors import NeedsScope, clean_and_save
from http_api.receipts import caller_key
from testimonials import editing
from testimonials.api import scopes
from testimonials.exceptions import NeedsModeration
from testimonials.models import ANONYMOUS, Testimonial, TestimonialCategory, TestimonialMedia
from testimonials.moderators import key_is_moderator


class CategorySerializer(serializers.ModelSerializer[TestimonialCategory]):
    slug = serializers.SlugField(
        max_length=120, required=False, help_text="Generated from the name when left out."
    )

    class Meta:
        model = TestimonialCategory
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "is_active",
            "order",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def create(self, validated_data: dict[str, Any]) -> TestimonialCategory:
        category = TestimonialCategory(**validated_data)
        clean_and_save(category)
        return category

    def update(
        self, instance: TestimonialCategory, validated_data: dict[str, Any]
    ) -> TestimonialCategory:
        for field, value in validated_data.items():
            setattr(instance, field, value)
        clean_and_save(instance)
        return instance


class MediaSerializer(serializers.ModelSerializer[TestimonialMedia]):
    class Meta:
        model = TestimonialMedia
        fields = [
            "id",
            "file",
            "media_type",
            "title",
            "description",
            "is_primary",
            "order",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"media_type": {"required": False}}


class TestimonialSerializer(serializers.ModelSerializer[Testimonial]):
    """An anonymous testimonial reads as "Anonymous", without email or company, as its
    webhooks do, but to moderators (SPEC §10)."""

    category = serializers.PrimaryKeyRelatedField(
        queryset=TestimonialCategory.objects.all(), allow_null=True, required=False
    )
    author_email = serializers.EmailField(required=False, allow_blank=True, allow_null=True)
    company = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=255
    )
    media = MediaSerializer(many=True, read_only=True)
    is_published = serializers.BooleanField(read_only=True)

    class Meta:
        model = Testimonial
        fields = [
            "id", "slug", "status", "is_published", "rating", "title", "content",
            "author_name", "author_email", "company", "is_anonymous", "is_verified",
            "source", "category", "response", "response_at", "rejection_reason",
            "approved_at", "created_at", "updated_at", "media",
        ]  # fmt: skip
        read_only_fields = [
            "slug", "status", "response", "response_at", "rejection_reason", "approved_at",
            "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {"author_name": {"required": False}}

    def to_representation(self, instance: Testimonial) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.is_anonymous and not key_is_moderator(caller_key(self.context)):
            data.update(author_name=ANONYMOUS, author_email=None, company=None)
        return data

    def create(self, validated_data: dict[str, Any]) -> Testimonial:
        testimonial = Testimonial(**_blank_nulls(validated_data))
        clean_and_save(testimonial, acting_user=_acting_user(self.context))
        return testimonial

    def update(self, instance: Testimonial, validated_data: dict[str, Any]) -> Testimonial:
        values = _blank_nulls(validated_data)
        try:
            editing.check(instance, values, moderator=key_is_moderator(caller_key(self.context)))
        except NeedsModeration as refusal:
            raise NeedsScope(scopes.TESTIMONIALS_MODERATE, str(refusal)) from None
        for field, value in values.items():
            setattr(instance, field, value)
        clean_and_save(instance, acting_user=_acting_user(self.context))
        return instance


class PublicSubmissionSerializer(TestimonialSerializer):
    """What a visitor may say without a key: no verification mark, no source of their
    choosing; it always waits for moderation."""

    class Meta(TestimonialSerializer.Meta):
        read_only_fields = [*TestimonialSerializer.Meta.read_only_fields, "is_verified", "source"]


class RejectSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=5000, help_text="Why, for the author's record.")


class RespondSerializer(serializers.Serializer[Any]):
    response = serializers.CharField(max_length=5000, help_text="The public answer.")


def _blank_nulls(data: dict[str, Any]) -> dict[str, Any]:
    # The model's text columns are not nullable: null means "none", stored as "".
    return {
        k: ("" if v is None and k in ("author_email", "company") else v) for k, v in data.items()
    }


def _acting_user(context: Mapping[str, Any]) -> Any:
    user = context["request"].user
    return user if user.is_authenticated else None
