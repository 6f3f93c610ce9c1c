from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from testimonials.models import Testimonial, TestimonialCategory, TestimonialMedia
from testimonials.moderators import user_is_moderator


@admin.register(TestimonialCategory)
class TestimonialCategoryAdmin(admin.ModelAdmin[TestimonialCategory]):
    list_display = ["name", "slug", "is_active", "order"]
    list_editable = ["is_active", "order"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


class TestimonialMediaInline(admin.TabularInline[TestimonialMedia, Testimonial]):
    model = TestimonialMedia
    extra = 0
    fields = ["file", "media_type", "title", "is_primary", "order", "created_at"]
    readonly_fields = ["created_at"]


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        required=False,
        help_text="Sent with the testimonial.rejected event. May be left empty.",
    )


@admin.register(Testimonial)
class TestimonialAdmin(admin.ModelAdmin[Testimonial]):
    list_display = [
        "author_display",
        "short_content",
        "stars",
        "status",
        "category",
        "is_anonymous",
        "is_verified",
        "created_at",
    ]
    list_filter = ["status", "rating", "category", "is_anonymous", "is_verified", "source"]
    search_fields = ["author_name", "author_email", "company", "title", "content", "slug"]
    list_select_related = ["category"]
    date_hierarchy = "created_at"
    raw_id_fields = ["author"]
    readonly_fields = [
        "author_display",
        "slug",
        "approved_at",
        "approved_by",
        "response_at",
        "response_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "content", "rating", "category", "source"]}),
        (
            "Author",
            {"fields": ["author", "author_name", "author_email", "company", "is_anonymous"]},
        ),
        (
            "Moderation",
            {
                "fields": [
                    "status",
                    "is_verified",
                    "rejection_reason",
                    ("approved_at", "approved_by"),
                    "response",
                    ("response_at", "response_by"),
                ]
            },
        ),
        ("Record", {"fields": ["slug", "created_at", "updated_at"]}),
    ]
    inlines = [TestimonialMediaInline]
    actions = ["approve_selected", "reject_selected", "feature_selected", "archive_selected"]

    def get_search_fields(self, request: HttpRequest) -> Any:
        if user_is_moderator(request.user):
            return self.search_fields
        # Finding an anonymous testimonial by its author's email would name its author.
        return ["title", "content", "slug"]

    def get_fieldsets(self, request: HttpRequest, obj: Testimonial | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not obj.is_anonymous or user_is_moderator(request.user):
            return fieldsets
        # Viewers who are not moderators read an anonymous author as "Anonymous" (SPEC §10).
        return [
            (name, {**options, "fields": ["author_display", "is_anonymous"]})
            if name == "Author"
            else (name, options)
            for name, options in fieldsets
        ]

    @admin.display(description="author", ordering="author_name")
    def author_display(self, obj: Testimonial) -> str:
        return obj.author_display

    @admin.display(description="content")
    def short_content(self, obj: Testimonial) -> str:
        return obj.content if len(obj.content) <= 60 else obj.content[:59] + "…"

    @admin.display(description="rating", ordering="rating")
    def stars(self, obj: Testimonial) -> str:
        return "★" * obj.rating + "☆" * (5 - obj.rating)

    def save_model(
        self, request: HttpRequest, obj: Testimonial, form: ModelForm[Testimonial], change: bool
    ) -> None:
        obj.save(acting_user=request.user)

    @admin.action(permissions=["change"], description="Approve selected testimonials")
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Testimonial]) -> None:
        self._moderate_each(request, queryset, "approved", lambda t: t.approve(user=request.user))

    @admin.action(permissions=["change"], description="Feature selected testimonials")
    def feature_selected(self, request: HttpRequest, queryset: QuerySet[Testimonial]) -> None:
        self._moderate_each(request, queryset, "featured", lambda t: t.feature(user=request.user))

    @admin.action(permissions=["change"], description="Archive selected testimonials")
    def archive_selected(self, request: HttpRequest, queryset: QuerySet[Testimonial]) -> None:
        self._moderate_each(request, queryset, "archived", lambda t: t.archive(user=request.user))

    @admin.action(permissions=["change"], description="Reject selected testimonials…")
    def reject_selected(
        self, request: HttpRequest, queryset: QuerySet[Testimonial]
    ) -> HttpResponse | None:
        """Asks for the reason on an intermediate page, then rejects each one."""
        form = RejectForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._moderate_each(
                request, queryset, "rejected", lambda t: t.reject(reason, user=request.user)
            )
            return None
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": "Reject testimonials",
            "opts": self.model._meta,
            "form": form,
            "queryset": queryset.select_related("category"),
            "action": "reject_selected",
            "button": "Reject",
            "explanation": "Each is rejected on its own, sending its own testimonial_rejected "
            "signal with the reason below.",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/confirm_action.html", context)

    def _moderate_each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Testimonial],
        verb: str,
        move: Callable[[Testimonial], bool],
    ) -> None:
        # One save per item, never queryset.update(): each change must send its signal.
        changed = unchanged = 0
        for testimonial in queryset.select_related("category"):
            if move(testimonial):
                changed += 1
            else:
                unchanged += 1
        self.message_user(request, f"{changed} testimonial(s) {verb}.", messages.SUCCESS)
        if unchanged:
            self.message_user(
                request, f"{unchanged} testimonial(s) were already {verb}.", messages.INFO
            )
