"""Each endpoint's tries by the hour, counted as they are recorded: the overview, the
endpoint list and the portal read health from these rows (a few per endpoint per day)
rather than from the delivery log, so their cost does not grow with history."""

from __future__ import annotations

from django.db import models

from webhooks.models.endpoints import WebhookEndpoint

# The latency buckets of the metrics (webhooks.metrics.instruments.DURATION_BUCKETS), in
# milliseconds; a test holds the two together.
LATENCY_BOUNDS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 15000, 30000)


def _count(help_text: str) -> models.PositiveIntegerField[int, int]:
    return models.PositiveIntegerField(default=0, help_text=help_text)


class EndpointHour(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="hours", db_index=False
    )
    hour = models.DateTimeField(help_text="The hour's start, UTC.")
    tries = _count("Tries started in the hour.")
    successes = _count("Of those, answered 2xx.")
    delivered = _count("Deliveries that succeeded with a try of this hour.")
    undelivered = _count("Deliveries that failed for good with a try of this hour.")
    # Tries that took at most N ms (cumulative, as a Prometheus histogram).
    le_5 = _count("Tries of at most 5 ms.")
    le_10 = _count("Tries of at most 10 ms.")
    le_25 = _count("Tries of at most 25 ms.")
    le_50 = _count("Tries of at most 50 ms.")
    le_100 = _count("Tries of at most 100 ms.")
    le_250 = _count("Tries of at most 250 ms.")
    le_500 = _count("Tries of at most 500 ms.")
    le_1000 = _count("Tries of at most 1 s.")
    le_2500 = _count("Tries of at most 2.5 s.")
    le_5000 = _count("Tries of at most 5 s.")
    le_10000 = _count("Tries of at most 10 s.")
    le_15000 = _count("Tries of at most 15 s.")
    le_30000 = _count("Tries of at most 30 s.")

    class Meta:
        verbose_name = "endpoint hour"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "hour"], name="endpoint_hour_unique")
        ]
        indexes = [models.Index(fields=["hour"], name="endpoint_hour_idx")]

    def __str__(self) -> str:
        return f"endpoint {self.endpoint_id}, {self.hour:%Y-%m-%d %H}:00"


LATENCY_COLUMNS = tuple(f"le_{bound}" for bound in LATENCY_BOUNDS_MS)
