from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from http_api.filtering import IdFilter, RangeFilter
from testimonials.choices import PUBLISHED_STATUSES, TestimonialStatus
from testimonials.models import MAX_RATING, MIN_RATING, Testimonial


class TestimonialFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TestimonialStatus.choices)
    rating = RangeFilter(MIN_RATING, MAX_RATING, help_text="exactly this many stars")
    rating_min = RangeFilter(
        MIN_RATING, MAX_RATING, field_name="rating", lookup_expr="gte", help_text="at least"
    )
    category = IdFilter(field_name="category_id", help_text="category id")
    published = django_filters.BooleanFilter(
        method="filter_published", help_text="approved or featured (true), or neither (false)"
    )

    class Meta:
        model = Testimonial
        fields = ["status", "rating", "rating_min", "category", "published"]

    def filter_published(
        self, queryset: QuerySet[Testimonial], name: str, value: bool
    ) -> QuerySet[Testimonial]:
        if value:
            return queryset.filter(status__in=PUBLISHED_STATUSES)
        return queryset.exclude(status__in=PUBLISHED_STATUSES)
