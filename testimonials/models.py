from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models, router, transaction
from django.db.models import BaseConstraint, Q
from django.utils.text import slugify

from testimonials import lifecycle, signals
from testimonials.choices import PUBLISHED_STATUSES, MediaType, TestimonialSource, TestimonialStatus
from testimonials.exceptions import EmptyResponseError
from testimonials.querysets import TestimonialCategoryQuerySet, TestimonialQuerySet
from testimonials.validators import ContentLengthValidator, MaxFileSizeValidator

ANONYMOUS = "Anonymous"
MIN_RATING, MAX_RATING = 1, 5

# No HTML, SVG or scripts: uploads are served back from MEDIA_URL.
MEDIA_EXTENSIONS = [
    *("jpg", "jpeg", "png", "gif", "webp", "avif", "heic"),
    *("mp4", "webm", "mov", "m4v"),
    *("mp3", "wav", "ogg", "oga", "m4a", "aac", "flac"),
    *("pdf", "txt", "doc", "docx", "odt"),
]


class TestimonialCategory(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True, blank=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0, help_text="Lower numbers come first.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TestimonialCategoryQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "testimonial categories"

    def __str__(self) -> str:
        return self.name

    def save(self, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = self._free_slug(slugify(self.name)[:100] or "category")
        super().save(**kwargs)

    def _free_slug(self, base: str) -> str:
        taken = set(
            type(self)._base_manager.filter(slug__startswith=base).values_list("slug", flat=True)
        )
        candidate, suffix = base, 2
        while candidate in taken:
            candidate, suffix = f"{base}-{suffix}", suffix + 1
        return candidate


class Testimonial(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="testimonials",
        help_text="The registered user who wrote it, if any.",
    )
    author_name = models.CharField(max_length=255, blank=True)
    author_email = models.EmailField(blank=True)
    company = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=255, blank=True)
    content = models.TextField(validators=[ContentLengthValidator()])
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(MIN_RATING), MaxValueValidator(MAX_RATING)],
        help_text=f"{MIN_RATING} to {MAX_RATING} stars.",
    )
    category = models.ForeignKey(
        TestimonialCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="testimonials",
    )
    source = models.CharField(
        max_length=20, choices=TestimonialSource.choices, default=TestimonialSource.WEBSITE
    )
    status = models.CharField(
        max_length=20,
        choices=TestimonialStatus.choices,
        default=TestimonialStatus.PENDING,
        db_index=True,
    )
    is_anonymous = models.BooleanField(
        default=False, help_text="Shown as “Anonymous”; webhooks carry no name or email."
    )
    is_verified = models.BooleanField(default=False)
    slug = models.SlugField(max_length=255, unique=True, blank=True, editable=False)
    rejection_reason = models.TextField(blank=True)
    response = models.TextField(blank=True, help_text="The public answer to this testimonial.")
    response_at = models.DateTimeField(null=True, blank=True)
    response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TestimonialQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=MIN_RATING) & Q(rating__lte=MAX_RATING),
                name="testimonial_rating_1_to_5",
                violation_error_message="Rating must be between 1 and 5.",
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        excerpt = self.content if len(self.content) <= 40 else self.content[:39] + "…"
        return f"{self.author_display}: {excerpt}"

    def save(self, *, acting_user: Any = None, **kwargs: Any) -> None:
        """Saves and, inside the same transaction, sends the signals for what changed.
        ``acting_user`` is recorded as approver/responder and passed to receivers."""
        self._save_and_signal(acting_user, **kwargs)

    @property
    def author_display(self) -> str:
        if self.is_anonymous or not self.author_name:
            return ANONYMOUS
        return self.author_name

    @property
    def is_published(self) -> bool:
        return self.status in PUBLISHED_STATUSES

    def clean(self) -> None:
        self._prefill_author()
        if not self.is_anonymous and not self.author_name.strip():
            raise ValidationError(
                {"author_name": "Give the author's name, or mark the testimonial anonymous."},
                code="author_name_required",
            )

    def approve(self, user: Any = None) -> bool:
        """Returns whether the status changed (False when it was already approved)."""
        return self._move_to(TestimonialStatus.APPROVED, user)

    def reject(self, reason: str = "", user: Any = None) -> bool:
        self.rejection_reason = reason
        return self._move_to(TestimonialStatus.REJECTED, user, "rejection_reason")

    def feature(self, user: Any = None) -> bool:
        return self._move_to(TestimonialStatus.FEATURED, user)

    def archive(self, user: Any = None) -> bool:
        return self._move_to(TestimonialStatus.ARCHIVED, user)

    def add_response(self, response: str, user: Any = None) -> bool:
        """Returns whether the response changed."""
        if not response.strip():
            raise EmptyResponseError
        self.response = response
        fields = None if self._state.adding else ["response", "updated_at"]
        return self._save_and_signal(user, update_fields=fields).response_added

    def add_media(self, file: File[Any], **fields: Any) -> TestimonialMedia:
        media = TestimonialMedia(testimonial=self, file=file, **fields)
        media.full_clean()
        media.save()
        return media

    def _move_to(self, status: str, user: Any, *also_saved: str) -> bool:
        self.status = status
        # Only what the transition changes is written, so a lifecycle call on a stale
        # instance cannot undo someone else's edit of the content.
        fields = None if self._state.adding else ["status", "updated_at", *also_saved]
        return self._save_and_signal(user, update_fields=fields).status_changed

    def _save_and_signal(self, acting_user: Any, **kwargs: Any) -> lifecycle.Change:
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        update_fields = kwargs.get("update_fields")
        with transaction.atomic(using=using):
            change = lifecycle.detect_change(self, using, update_fields)
            touched = lifecycle.apply_side_effects(self, change, acting_user)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *touched}
            if self._state.adding:
                self._prefill_author()
                self.slug = self.slug or self._new_slug()
            super().save(**kwargs)
            lifecycle.send_signals(self, change, acting_user)
        return change

    def _prefill_author(self) -> None:
        if self.author is None or self.is_anonymous:
            return
        if not self.author_name:
            self.author_name = self.author.get_full_name() or self.author.get_username()
        if not self.author_email:
            self.author_email = self.author.email

    def _new_slug(self) -> str:
        # Never from the author's name: anonymous testimonials must not leak it in URLs.
        base = slugify(self.title)[:60].strip("-") or slugify(self.content[:60])[:60].strip("-")
        return f"{base or 'testimonial'}-{secrets.token_hex(5)}"


def media_type_for(file_name: str) -> str:
    guessed, _ = mimetypes.guess_type(file_name)
    kind = (guessed or "").split("/", 1)[0]
    return kind if kind in (MediaType.IMAGE, MediaType.VIDEO, MediaType.AUDIO) else "document"


class TestimonialMedia(models.Model):
    testimonial = models.ForeignKey(Testimonial, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(
        upload_to="testimonials/%Y/%m/",
        max_length=255,
        validators=[FileExtensionValidator(MEDIA_EXTENSIONS), MaxFileSizeValidator()],
    )
    media_type = models.CharField(
        max_length=20, choices=MediaType.choices, blank=True, help_text="Guessed when left blank."
    )
    title = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    is_primary = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name_plural = "testimonial media"
        constraints = [
            models.UniqueConstraint(
                fields=["testimonial"],
                condition=Q(is_primary=True),
                name="one_primary_media_per_testimonial",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.file.name or ""

    def save(self, **kwargs: Any) -> None:
        created = self._state.adding
        if not self.media_type:
            self.media_type = media_type_for(self.file.name or "")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            if self.is_primary:
                type(self)._base_manager.using(using).filter(
                    testimonial_id=self.testimonial_id, is_primary=True
                ).exclude(pk=self.pk).update(is_primary=False)
            super().save(**kwargs)
            if created:
                signals.testimonial_media_added.send(sender=type(self), instance=self)

    def get_constraints(self) -> list[tuple[type[models.Model], Sequence[BaseConstraint]]]:
        # Ticking "primary" on a new item demotes the old one in save(); form validation
        # must not refuse it first. The database constraint still guards racing writers.
        return [
            (model, [c for c in constraints if c.name != "one_primary_media_per_testimonial"])
            for model, constraints in super().get_constraints()
        ]

    def clean(self) -> None:
        if not self.media_type and self.file:
            self.media_type = media_type_for(self.file.name or "")
