"""``/api/v1/subscribers/``: the teams that receive webhooks, and their portal links
(SPEC §11), with the endpoints' scopes. Links are made and revoked by
``webhooks.subscribers.links``, as in the admin and the commands."""

from __future__ import annotations

from typing import Any

from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from http_api.errors import Conflict, clean_and_save
from http_api.idempotency.views import IdempotentPostMixin
from http_api.inputs import validated
from http_api.receipts import ReceiptMixin
from webhooks.access import scopes
from webhooks.access.delegation import Delegator
from webhooks.api.event_type_fields import EventTypeChoices, event_type_field
from webhooks.durations import parse_duration
from webhooks.exceptions import InvalidDuration
from webhooks.models import PortalLink, Subscriber
from webhooks.subscribers import links

READ, WRITE = scopes.WEBHOOKS_READ, scopes.WEBHOOKS_WRITE


class SubscriberSerializer(EventTypeChoices, serializers.ModelSerializer[Subscriber]):
    event_type_fields = ("allowed_event_types",)
    allowed_event_types = serializers.ListField(
        child=event_type_field(),
        required=False,
        help_text="Event types its endpoints may receive; empty: all.",
    )

    class Meta:
        model = Subscriber
        fields = ["id", "name", "contact_email", "allowed_event_types", "max_endpoints"]

    def create(self, validated_data: dict[str, Any]) -> Subscriber:
        subscriber = Subscriber(**validated_data)
        clean_and_save(subscriber)
        return subscriber

    def update(self, instance: Subscriber, validated_data: dict[str, Any]) -> Subscriber:
        for field, value in validated_data.items():
            setattr(instance, field, value)
        clean_and_save(instance)
        return instance


class PortalLinkSerializer(serializers.ModelSerializer[PortalLink]):
    state = serializers.CharField(read_only=True, help_text="active, expired or revoked")

    class Meta:
        model = PortalLink
        fields = ["id", "state", "created_at", "created_by", "expires_at", "revoked_at"]
        read_only_fields = fields


class NewPortalLinkSerializer(PortalLinkSerializer):
    url = serializers.CharField(
        read_only=True, help_text="The link to hand over; shown this once, stored hashed."
    )

    class Meta(PortalLinkSerializer.Meta):
        fields = [*PortalLinkSerializer.Meta.fields, "url"]
        read_only_fields = fields


class PortalLinkRequestSerializer(serializers.Serializer[Any]):
    expires = serializers.CharField(
        required=False, help_text="How long the link works, e.g. 24h or 7d; at most 30d."
    )


LINK_ID = OpenApiParameter("link_id", int, OpenApiParameter.PATH, description="The link's id.")


class SubscriberViewSet(IdempotentPostMixin, ReceiptMixin, viewsets.ModelViewSet[Subscriber]):
    read_scope = READ
    # Without webhooks:read a write shows the subscriber's id and name, and a new portal
    # link (the operation's product) whole.
    receipt_fields = frozenset(
        {"id", "name", "url", "state", "expires_at", "created_at", "created_by", "revoked_at"}
    )
    queryset = Subscriber.objects.all()
    serializer_class = SubscriberSerializer
    http_method_names = ["get", "post", "patch", "delete"]
    cursor_ordering = "id"
    required_scopes = {
        "list": READ,
        "retrieve": READ,
        "create": WRITE,
        "partial_update": WRITE,
        "destroy": WRITE,
        "portal_links": READ,
        "create_portal_link": WRITE,
        "revoke_portal_link": WRITE,
    }

    def perform_destroy(self, instance: Subscriber) -> None:
        try:
            instance.delete()
        except ProtectedError:
            raise Conflict(
                f"{instance} still has endpoints: delete them or give them to another "
                "subscriber first."
            ) from None

    @extend_schema(responses=PortalLinkSerializer(many=True), operation_id="subscribers_links")
    @action(detail=True, methods=["get"], url_path="portal-links", pagination_class=None)
    def portal_links(self, request: Request, pk: str | None = None) -> Response:
        """List a subscriber's portal links

        Newest first, without their URLs (only a hash is kept).
        """
        subscriber = self.get_object()
        return Response(PortalLinkSerializer(subscriber.portal_links.all(), many=True).data)

    @extend_schema(
        request=PortalLinkRequestSerializer,
        responses={201: NewPortalLinkSerializer},
        operation_id="subscribers_create_portal_link",
    )
    @portal_links.mapping.post
    def create_portal_link(self, request: Request, pk: str | None = None) -> Response:
        """Make a portal link

        Answers the link's URL, this once: whoever holds it manages the subscriber's
        endpoints in the portal until it expires (`expires`, default `PORTAL_LINK_TTL`) or
        is revoked. A link grants what the portal does, so the key needs `webhooks:read`
        and `webhooks:secrets` besides `webhooks:write` (403 otherwise).
        """
        subscriber = self.get_object()
        given = validated(PortalLinkRequestSerializer, request.data).get("expires")
        try:
            expires_in = None if given is None else parse_duration(given)
            link, path = links.create(subscriber, Delegator.key(request.auth), expires_in)
        except (InvalidDuration, links.InvalidLifetime) as error:
            raise serializers.ValidationError({"expires": [str(error)]}) from None
        body = dict(PortalLinkSerializer(link).data)
        body["url"] = request.build_absolute_uri(path)
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[LINK_ID], request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"portal-links/(?P<link_id>[0-9]{1,18})")
    def revoke_portal_link(
        self, request: Request, pk: str | None = None, link_id: str | None = None
    ) -> Response:
        """Revoke a portal link

        Every portal session opened with it ends at once. Revoking it again does nothing.
        """
        subscriber = self.get_object()
        link = get_object_or_404(subscriber.portal_links.all(), pk=link_id)
        links.revoke(PortalLink.objects.filter(pk=link.pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
