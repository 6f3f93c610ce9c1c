"""``manage.py send_test_webhook ENDPOINT_ID``: a signed ``webhook.test`` to one endpoint."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webhooks import endpoint_actions
from webhooks.exceptions import EndpointDisabled
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


class Command(BaseCommand):
    help = "Queue a signed webhook.test event for one endpoint; a running worker sends it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("endpoint_id", metavar="ENDPOINT_ID")
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help="wait up to SECONDS for the outcome of the first try and print it",
        )

    def handle(self, *args: Any, endpoint_id: str, wait: float, **options: Any) -> None:
        if not endpoint_id.isdigit():
            raise CommandError(f"{endpoint_id!r} is not an endpoint id (a whole number)")
        endpoint = WebhookEndpoint.objects.filter(pk=int(endpoint_id)).first()
        if endpoint is None:
            raise CommandError(f"there is no endpoint #{endpoint_id}")
        try:
            delivery = endpoint_actions.send_test_event(
                endpoint, requested_by="manage.py send_test_webhook"
            )
        except EndpointDisabled as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Queued webhook.test (webhook-id {delivery.event_id}) as delivery #{delivery.pk} "
            f"to endpoint #{endpoint.pk} {endpoint}."
        )
        if wait > 0:
            self.report_outcome(delivery, wait)

    def report_outcome(self, delivery: WebhookDelivery, wait: float) -> None:
        deadline = time.monotonic() + wait
        while delivery.attempts == 0:
            if time.monotonic() > deadline:
                raise CommandError(
                    f"no attempt within {wait:g}s: is a worker (manage.py qcluster) running?"
                )
            time.sleep(0.2)
            delivery.refresh_from_db()
        if delivery.status == DeliveryStatus.SUCCEEDED:
            self.stdout.write(self.style.SUCCESS(f"Delivered: HTTP {delivery.last_status_code}."))
            return
        raise CommandError(
            f"the first try failed ({delivery.last_error or delivery.last_status_code}); "
            f"the delivery is {delivery.status}"
        )
