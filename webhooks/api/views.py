"""``/api/v1/event-types/`` (the catalogue receivers generate models from) and
``/api/v1/status/`` (the backlog, as ``webhook_status --json`` prints it)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from webhooks.access import scopes
from webhooks.api import serializers
from webhooks.delivery_log import backlog
from webhooks.event_types import catalogue


class EventTypesView(APIView):
    required_scopes = {"GET": scopes.WEBHOOKS_READ}

    @extend_schema(responses=serializers.EventTypePageSerializer, operation_id="event_types_list")
    def get(self, request: Request) -> Response:
        """List the event types

        Each type this service sends, with a description and the JSON Schema of its
        `data` (the same schemas as the document's `webhooks` section).
        """
        results = [
            {"type": name, "description": catalogue.description(name), "schema": schema}
            for name, schema in catalogue.data_schemas().items()
        ]
        return Response({"next": None, "previous": None, "results": results})


class StatusView(APIView):
    required_scopes = {"GET": scopes.WEBHOOKS_READ}

    @extend_schema(responses=serializers.StatusSerializer)
    def get(self, request: Request) -> Response:
        """Read the delivery backlog

        How far behind the workers are: deliveries due, the oldest due, failures in the
        last hour, disabled endpoints; what `manage.py webhook_status --json` prints.
        """
        return Response(backlog.snapshot(timezone.now()).as_dict())
