"""``/api/v1/events/`` and ``/api/v1/deliveries/``: the delivery log, read-only but for
replay, which goes through ``webhooks.delivery_log.replay`` exactly as ``replay_webhooks`` does."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from http_api.errors import Conflict
from http_api.idempotency.views import IdempotentPostMixin
from http_api.inputs import validated
from http_api.openapi import problem_responses
from http_api.receipts import ReceiptMixin
from webhooks.access import scopes
from webhooks.api import log_serializers, selections
from webhooks.api.filters import DeliveryFilter, EventFilter
from webhooks.delivery_log import cancel, replay, selection
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent

READ, WRITE = scopes.WEBHOOKS_READ, scopes.WEBHOOKS_WRITE


def delivery_rows() -> QuerySet[WebhookDelivery]:
    # The event's type without its payload, which may be large.
    return WebhookDelivery.objects.annotate(event_type=F("event__type"))


class EventViewSet(viewsets.ReadOnlyModelViewSet[WebhookEvent]):
    queryset = WebhookEvent.objects.all()
    serializer_class = log_serializers.EventSerializer
    filterset_class = EventFilter
    cursor_ordering = ("-created_at", "-id")
    lookup_field = "id"
    lookup_value_converter = "uuid"
    required_scopes = {"list": READ, "retrieve": READ}

    def get_queryset(self) -> QuerySet[WebhookEvent]:
        if self.action == "retrieve":
            return WebhookEvent.objects.prefetch_related("deliveries")
        return WebhookEvent.objects.defer("payload")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "retrieve":
            return log_serializers.EventDetailSerializer
        return log_serializers.EventSerializer


class DeliveryViewSet(
    IdempotentPostMixin, ReceiptMixin, viewsets.ReadOnlyModelViewSet[WebhookDelivery]
):
    read_scope = READ
    receipt_fields = frozenset({"id", "status", "dry_run", "count", "ids", "skipped"})
    serializer_class = log_serializers.DeliverySerializer
    filterset_class = DeliveryFilter
    cursor_ordering = "-id"
    required_scopes = {
        "list": READ,
        "retrieve": READ,
        "replay": WRITE,
        "replay_selection": WRITE,
        "cancel_selection": WRITE,
    }

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        if self.action == "retrieve":
            return (
                delivery_rows().select_related("event", "endpoint").prefetch_related("attempt_log")
            )
        return delivery_rows()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "retrieve":
            return log_serializers.DeliveryDetailSerializer
        return log_serializers.DeliverySerializer

    @extend_schema(
        request=selections.ReplayOneSerializer,
        responses={200: log_serializers.DeliverySerializer, **problem_responses(409)},
        operation_id="deliveries_replay",
    )
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str | None = None) -> Response:
        """Replay a delivery

        Sends it again under the same `webhook-id`, on a fresh retry schedule, whatever
        its status; with `as_new`, a copy goes under a new `webhook-id` as a new
        delivery. A delivery to a disabled endpoint is a 409: enable the endpoint first.
        """
        delivery = self.get_object()
        as_new = validated(selections.ReplayOneSerializer, request.data)["as_new"]
        chosen = selection.Selection(delivery_ids=(delivery.pk,))
        self._replay(chosen, dry_run=False, as_new=as_new)
        return Response(
            log_serializers.DeliverySerializer(delivery_rows().get(pk=delivery.pk)).data
        )

    @extend_schema(
        request=selections.ReplaySerializer,
        responses={200: selections.ReplayResultSerializer, **problem_responses(409)},
        operation_id="deliveries_replay_selection",
    )
    @action(detail=False, methods=["post"], url_path="replay")
    def replay_selection(self, request: Request) -> Response:
        """Replay a selection of deliveries

        The selected deliveries (default: every failed one) go again, as
        `manage.py replay_webhooks` sends them; `dry_run` lists them and changes
        nothing. Deliveries to disabled endpoints are skipped and counted in `skipped`;
        when the selection names deliveries or an endpoint, they are a 409 instead.
        """
        filters = validated(selections.ReplaySerializer, request.data)
        chosen = _selection(filters, filters.get("status"))
        return Response(self._replay(chosen, filters["dry_run"], filters["as_new"]))

    @extend_schema(
        request=selections.CancelSerializer,
        responses={200: selections.CancelResultSerializer},
        operation_id="deliveries_cancel_selection",
    )
    @action(detail=False, methods=["post"], url_path="cancel")
    def cancel_selection(self, request: Request) -> Response:
        """Cancel a selection of pending deliveries

        The pending deliveries the filters select (those of `manage.py replay_webhooks`,
        as `manage.py cancel_webhooks` takes them) are never sent; they stay in the log
        with status `cancelled` and can be replayed. `dry_run` lists them and changes
        nothing.
        """
        filters = validated(selections.CancelSerializer, request.data)
        chosen = _selection(filters, [DeliveryStatus.PENDING])
        ids = [candidate.id for candidate in replay.candidates(chosen.queryset(), chosen.limit)]
        count = len(ids) if filters["dry_run"] else cancel.cancel(ids)
        return Response({"dry_run": filters["dry_run"], "count": count, "ids": ids})

    def _replay(
        self, chosen: selection.Selection, dry_run: bool, as_new: bool = False
    ) -> dict[str, Any]:
        plan = replay.plan(chosen.queryset(), chosen.limit)
        if refusal := plan.refusal(chosen):
            raise Conflict(refusal)
        ids = [candidate.id for candidate in plan.candidates]
        count = len(ids) if dry_run else replay.replay(ids, as_new=as_new)
        return {
            "dry_run": dry_run,
            "count": count,
            "ids": ids,
            "skipped": [
                {"endpoint": error.endpoint_id, "count": skipped, "reason": str(error)}
                for error, skipped in plan.refused
            ],
        }


def _selection(filters: dict[str, Any], status: Any) -> selection.Selection:
    """The selection the request's filters name, or a 400 naming the filter."""
    try:
        return selection.build(
            now=timezone.now(),
            delivery=filters.get("delivery", ()),
            event=str(filters["event"]) if "event" in filters else None,
            endpoint=filters.get("endpoint"),
            event_type=filters.get("type"),
            since=filters.get("since"),
            until=filters.get("until"),
            status=status,
            limit=filters.get("limit"),
        )
    except selection.InvalidSelection as error:
        raise drf.ValidationError({error.field: [error.message]}) from None
