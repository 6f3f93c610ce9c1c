"""``/api/v1/endpoints/``: the same operations as the admin's endpoint pages, through the
same domain operations (``webhooks.endpoint_actions``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from http_api.errors import Conflict
from http_api.idempotency.views import IdempotentPostMixin
from http_api.inputs import validated
from http_api.openapi import problem_responses
from http_api.receipts import ReceiptMixin
from webhooks import endpoint_actions
from webhooks.access import scopes
from webhooks.access.revealing import reveal
from webhooks.api import log_serializers, serializers
from webhooks.api.log import delivery_rows
from webhooks.exceptions import EndpointDisabled, InvalidDuration
from webhooks.models import SecretRead, WebhookEndpoint, parse_rotation_overlap

READ, WRITE, SECRETS = scopes.WEBHOOKS_READ, scopes.WEBHOOKS_WRITE, scopes.WEBHOOKS_SECRETS


class EndpointViewSet(IdempotentPostMixin, ReceiptMixin, viewsets.ModelViewSet[WebhookEndpoint]):
    read_scope = READ
    # What a key without webhooks:read learns from a write: the id and state, and what
    # the operation hands out (a new secret; a test delivery's id and status; the names
    # of the headers an update dropped).
    receipt_fields = frozenset(
        {"id", "is_active", "status", "signing_secret", "secret", "previous_secret_expires_at"}
        | {"dropped_headers"}
    )
    queryset = WebhookEndpoint.objects.all()
    serializer_class = serializers.EndpointSerializer
    http_method_names = ["get", "post", "patch", "delete"]
    cursor_ordering = "id"
    filterset_fields = ["is_active", "subscriber"]
    required_scopes = {
        "list": READ,
        "retrieve": READ,
        "create": WRITE,
        "partial_update": WRITE,
        "destroy": WRITE,
        "rotate_secret": WRITE,
        "send_test": WRITE,
        "enable": WRITE,
        "disable": WRITE,
        "secret": SECRETS,
    }

    @extend_schema(responses={201: serializers.CreatedEndpointSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a webhook endpoint

        The answer carries the signing secret, this once.
        """
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = serializer.save()
        shown = serializers.CreatedEndpointSerializer(
            endpoint, context=self.get_serializer_context()
        )
        body = shown.data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.RotateSerializer, responses=serializers.RotatedSecretSerializer
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        """Rotate an endpoint's signing secret

        Answers the new secret, once; the previous one keeps signing beside it for
        `overlap` (default `WEBHOOKS_ROTATION_OVERLAP`), so receivers can switch without
        refusing a webhook.
        """
        endpoint = self.get_object()
        given = validated(serializers.RotateSerializer, request.data).get("overlap")
        try:
            overlap = None if given is None else parse_rotation_overlap(given)
        except InvalidDuration as error:
            raise drf.ValidationError({"overlap": [str(error)]}) from None
        new_secret = endpoint_actions.rotate_secret(endpoint, overlap)
        # The new secret only: the previous one is read with webhooks:secrets, recorded.
        return Response(
            {
                "secret": new_secret,
                "previous_secret_expires_at": endpoint.previous_secret_expires_at,
            }
        )

    @extend_schema(
        request=None,
        responses={202: log_serializers.DeliverySerializer, **problem_responses(409)},
    )
    @action(detail=True, methods=["post"], url_path="send-test")
    def send_test(self, request: Request, pk: str | None = None) -> Response:
        """Send a test event to an endpoint

        A `webhook.test` delivery to this endpoint only, answered as queued (202).
        A disabled endpoint is a 409.
        """
        endpoint = self.get_object()
        try:
            delivery = endpoint_actions.send_test_event(
                endpoint, requested_by=f"API key {request.auth}"
            )
        except EndpointDisabled as error:
            raise Conflict(str(error)) from None
        row = delivery_rows().get(pk=delivery.pk)
        return Response(
            log_serializers.DeliverySerializer(row).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, pk: str | None = None) -> Response:
        """Enable an endpoint

        It receives new events again (and sends `endpoint.enabled`); its failure streak
        starts over.
        """
        endpoint = self.get_object()
        endpoint_actions.enable(endpoint)
        return Response(self.get_serializer(endpoint).data)

    @extend_schema(request=serializers.DisableSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, pk: str | None = None) -> Response:
        """Disable an endpoint

        It receives no new events, and its pending deliveries wait; sends
        `endpoint.disabled` with the reason given.
        """
        endpoint = self.get_object()
        reason = validated(serializers.DisableSerializer, request.data).get("reason")
        endpoint_actions.disable(
            endpoint, reason or f"Disabled through the API by key {request.auth}."
        )
        return Response(self.get_serializer(endpoint).data)

    @extend_schema(responses=serializers.SecretSerializer, operation_id="endpoints_reveal_secret")
    @action(detail=True, methods=["get"])
    def secret(self, request: Request, pk: str | None = None) -> Response:
        """Reveal an endpoint's signing secrets

        The current secret and, during a rotation's overlap, the previous one. Each
        read is recorded in the endpoint's history against the key's user.
        """
        endpoint = self.get_object()
        signing = reveal(
            endpoint,
            by=f'API key "{request.auth}"',
            through=SecretRead.Through.API,
            user=request.user,
        )
        return Response(
            {
                "secret": signing[0],
                "previous_secret": signing[1] if len(signing) > 1 else None,
                "previous_secret_expires_at": (
                    endpoint.previous_secret_expires_at if len(signing) > 1 else None
                ),
            }
        )
