"""``/api/v1/testimonials/`` and ``/api/v1/categories/``. Every change goes through the
models' lifecycle methods, so each fires the same signals, once, as the admin does."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.throttling import BaseThrottle

from http_api.errors import NeedsScope
from http_api.idempotency.views import IdempotentPostMixin
from http_api.inputs import validated
from http_api.openapi import problem_responses
from http_api.parsers import BoundedMultiPartParser
from http_api.receipts import ReceiptMixin
from testimonials import editing
from testimonials.api import scopes, serializers
from testimonials.api.filters import TestimonialFilter
from testimonials.api.throttling import PublicSubmissionThrottle
from testimonials.conf import conf
from testimonials.exceptions import NeedsModeration
from testimonials.models import Testimonial, TestimonialCategory
from testimonials.moderators import key_is_moderator

READ, WRITE, MODERATE = (
    scopes.TESTIMONIALS_READ,
    scopes.TESTIMONIALS_WRITE,
    scopes.TESTIMONIALS_MODERATE,
)
CRUD_SCOPES = {
    "list": READ,
    "retrieve": READ,
    "create": WRITE,
    "partial_update": WRITE,
    "destroy": WRITE,
}


class CategoryViewSet(
    IdempotentPostMixin, ReceiptMixin, viewsets.ModelViewSet[TestimonialCategory]
):
    read_scope = READ
    receipt_fields = frozenset({"id", "slug"})
    queryset = TestimonialCategory.objects.all()
    serializer_class = serializers.CategorySerializer
    required_scopes = CRUD_SCOPES
    http_method_names = ["get", "post", "patch", "delete"]
    cursor_ordering = ("order", "id")


class TestimonialViewSet(IdempotentPostMixin, ReceiptMixin, viewsets.ModelViewSet[Testimonial]):
    read_scope = READ
    receipt_fields = frozenset({"id", "slug", "status"})
    queryset = Testimonial.objects.select_related("category").prefetch_related("media")
    serializer_class = serializers.TestimonialSerializer
    filterset_class = TestimonialFilter
    http_method_names = ["get", "post", "patch", "delete"]
    cursor_ordering = "-id"
    required_scopes = {
        **CRUD_SCOPES,
        "approve": MODERATE,
        "reject": MODERATE,
        "feature": MODERATE,
        "archive": MODERATE,
        "respond": MODERATE,
        "media": WRITE,
    }

    def upload_max_bytes(self) -> int | None:
        """How large a multipart body may be here (None: the API's default)."""
        return conf.media_max_bytes if self.action == "media" else None

    def allows_anonymous(self, request: Request) -> bool:
        return self.action == "create" and conf.public_submission

    def get_throttles(self) -> list[BaseThrottle]:
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(PublicSubmissionThrottle())
        return throttles

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        # The document describes a key's request (drf-spectacular's fake view has none).
        keyless = self.request.auth is None and not getattr(self, "swagger_fake_view", False)
        if self.action == "create" and keyless:
            return serializers.PublicSubmissionSerializer
        return super().get_serializer_class()

    @extend_schema(request=None, responses=serializers.TestimonialSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve a testimonial

        Publishes it; sends `testimonial.approved`.
        """
        return self._moved(lambda t: t.approve(user=self._user()))

    @extend_schema(
        request=serializers.RejectSerializer, responses=serializers.TestimonialSerializer
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject a testimonial

        With the moderator's reason; sends `testimonial.rejected`.
        """
        reason = validated(serializers.RejectSerializer, request.data)["reason"]
        return self._moved(lambda t: t.reject(reason, user=self._user()))

    @extend_schema(request=None, responses=serializers.TestimonialSerializer)
    @action(detail=True, methods=["post"])
    def feature(self, request: Request, pk: str | None = None) -> Response:
        """Feature a testimonial

        Publishes and highlights it; sends `testimonial.featured`.
        """
        return self._moved(lambda t: t.feature(user=self._user()))

    @extend_schema(request=None, responses=serializers.TestimonialSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        """Archive a testimonial

        Unpublishes it; sends `testimonial.archived`.
        """
        return self._moved(lambda t: t.archive(user=self._user()))

    @extend_schema(
        request=serializers.RespondSerializer, responses=serializers.TestimonialSerializer
    )
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: str | None = None) -> Response:
        """Respond to a testimonial

        Adds or replaces the public response; sends `testimonial.responded`.
        """
        response = validated(serializers.RespondSerializer, request.data)["response"]
        return self._moved(lambda t: t.add_response(response, user=self._user()))

    @extend_schema(
        request={"multipart/form-data": serializers.MediaSerializer},
        responses={201: serializers.MediaSerializer, **problem_responses(413, 415)},
    )
    @action(detail=True, methods=["post"], parser_classes=[BoundedMultiPartParser])
    def media(self, request: Request, pk: str | None = None) -> Response:
        """Upload media to a testimonial

        A `multipart/form-data` body with the file (at most `TESTIMONIALS_MEDIA_MAX_BYTES`);
        sends `testimonial.media_added`. Without `testimonials:moderate` only a pending
        testimonial takes media.
        """
        testimonial = self.get_object()
        try:
            editing.check_media(testimonial, moderator=key_is_moderator(request.auth))
        except NeedsModeration as refusal:
            raise NeedsScope(scopes.TESTIMONIALS_MODERATE, str(refusal)) from None
        fields = validated(serializers.MediaSerializer, request.data)
        media = testimonial.add_media(fields.pop("file"), **fields)
        shown = serializers.MediaSerializer(media, context=self.get_serializer_context())
        return Response(shown.data, status=status.HTTP_201_CREATED)

    def _user(self) -> Any:
        return self.request.user if self.request.user.is_authenticated else None

    def _moved(self, change: Any) -> Response:
        testimonial = self.get_object()
        change(testimonial)
        return Response(self.get_serializer(testimonial).data)
