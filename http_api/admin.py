"""API keys in the admin: created with their scopes, shown once, revoked."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from http_api import grants
from http_api.models import ApiKey
from http_api.scopes import SCOPES


class ApiKeyForm(forms.ModelForm[ApiKey]):
    scopes = forms.MultipleChoiceField(
        choices=[(scope, f"{scope}: {meaning}") for scope, meaning in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    # Who is saving the form: set by ApiKeyAdmin.get_form.
    granting_user: Any = None

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "user"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grantor = self.granting_user
        if "scopes" in self.fields and grantor is not None:
            self.fields["scopes"].help_text = (
                "You may give the scopes whose permissions you hold: "
                f"{', '.join(grants.grantable(grantor)) or 'none'}."
            )
        if "user" in self.fields and grantor is not None and not grantor.is_superuser:
            # A key acts as its maker: only a superuser names someone else, or nobody.
            self.fields["user"].disabled = True
            if self.instance._state.adding:
                self.initial["user"] = grantor.pk

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.granting_user is not None and "scopes" in cleaned:
            for problem in grants.refusals(
                self.granting_user, cleaned["scopes"], cleaned.get("user")
            ):
                self.add_error(None, problem)
        return cleaned


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    form = ApiKeyForm
    list_display = ["name", "shown_prefix", "scope_list", "user", "last_used_at", "state"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["shown_prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke_selected"]

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        if obj is None:
            return ["name", "scopes", "user"]
        return ["name", "shown_prefix", "scopes", "user", *self.readonly_fields[1:]]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"user": request.user.pk}

    def get_form(
        self, request: HttpRequest, obj: ApiKey | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"granting_user": request.user})

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        # A revoked key is history: nothing about it changes any more.
        if obj is not None and obj.is_revoked:
            return ["name", "scopes", "user", *self.readonly_fields]
        return self.readonly_fields

    @admin.display(description="key starts")
    def shown_prefix(self, obj: ApiKey) -> str:
        return f"{obj.shown_prefix}…"

    @admin.display(description="scopes")
    def scope_list(self, obj: ApiKey) -> str:
        return ", ".join(obj.scopes)

    @admin.display(description="state")
    def state(self, obj: ApiKey) -> str:
        return f"revoked {obj.revoked_at:%Y-%m-%d %H:%M}" if obj.revoked_at else "in use"

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if not change:
            # Seen once, on the page response_add renders; only the hash is kept.
            request._issued_api_key = obj.issue()  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": "API key created",
            "raw_key": request._issued_api_key,  # type: ignore[attr-defined]
        }
        return TemplateResponse(request, "admin/api/apikey/created.html", context)

    @admin.action(permissions=["change"], description="Revoke selected API keys")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = [key.name for key in queryset if key.revoke()]
        self.message_user(
            request,
            f"Revoked: {', '.join(revoked)}." if revoked else "They were revoked already.",
            messages.SUCCESS,
        )
