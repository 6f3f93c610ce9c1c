from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from testimonials.choices import PUBLISHED_STATUSES, TestimonialStatus

if TYPE_CHECKING:
    # Used in the string type arguments below, which the linter does not read.
    from testimonials.models import Testimonial, TestimonialCategory  # noqa: F401


class TestimonialQuerySet(models.QuerySet["Testimonial"]):
    """Status helpers. Changing status in bulk goes through each instance's lifecycle
    method, never ``update()``: ``update()`` sends no signals, so no webhooks."""

    def pending(self) -> TestimonialQuerySet:
        return self.filter(status=TestimonialStatus.PENDING)

    def approved(self) -> TestimonialQuerySet:
        return self.filter(status=TestimonialStatus.APPROVED)

    def rejected(self) -> TestimonialQuerySet:
        return self.filter(status=TestimonialStatus.REJECTED)

    def featured(self) -> TestimonialQuerySet:
        return self.filter(status=TestimonialStatus.FEATURED)

    def archived(self) -> TestimonialQuerySet:
        return self.filter(status=TestimonialStatus.ARCHIVED)

    def published(self) -> TestimonialQuerySet:
        return self.filter(status__in=PUBLISHED_STATUSES)


class TestimonialCategoryQuerySet(models.QuerySet["TestimonialCategory"]):
    def active(self) -> TestimonialCategoryQuerySet:
        return self.filter(is_active=True)
