"""Admin lists of tables that grow with history cost the same at any size (SPEC §13): no
exact count of the table, no SELECT DISTINCT over it; past the cap the count reads
"N+", and every page and action still works on all of the rows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.support.factories import make_delivery, make_endpoint
from webhooks import counting
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

DELIVERIES = "/admin/webhooks/webhookdelivery/"
EVENTS = "/admin/webhooks/webhookevent/"


def test_past_the_cap_the_count_reads_n_plus_and_nothing_counts_the_table(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(counting, "COUNT_CAP", 3)
    endpoint = make_endpoint()
    made = [make_delivery(endpoint, status="failed") for _ in range(5)]

    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(DELIVERIES)
    text = page.content.decode()

    assert "3+ webhook deliveries" in text
    assert "Select all 3+ webhook deliveries" in text
    counts = [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"].upper() and 'FROM "webhooks_webhookdelivery"' in q["sql"]
    ]
    assert counts, "the paginator still counts"
    # Each count stops at the cap, or counts the pending backlog only (never history).
    for sql in counts:
        assert "LIMIT" in sql.upper() or "\"status\" = 'pending'" in sql, sql
    assert "DISTINCT" not in " ".join(q["sql"].upper() for q in queries)
    shown = [d.pk for d in page.context["cl"].result_list]
    assert shown == sorted((d.pk for d in made), reverse=True)  # newest first

    # "Select all" still means every matching row.
    replayed = admin_client.post(
        DELIVERIES,
        {"action": "cancel_selected", "select_across": "1", "index": "0", "_selected_action": []},
    )
    assert replayed.status_code == 302
    assert not WebhookDelivery.objects.exclude(status="failed").exists()  # none pending
    admin_client.post(
        DELIVERIES,
        {
            "action": "replay_selected",
            "select_across": "1",
            "index": "0",
            "_selected_action": [str(made[0].pk)],
        },
    )
    assert WebhookDelivery.objects.filter(status="pending").count() == 5


def test_under_the_cap_the_count_is_exact(admin_client: Client) -> None:
    make_delivery()
    make_delivery()

    assert re.search(r"\b2 webhook deliveries\b", admin_client.get(DELIVERIES).content.decode())


def test_the_event_type_filters_list_fixed_choices(admin_client: Client) -> None:
    created = make_delivery(event_type="testimonial.created")
    make_delivery(event_type="testimonial.approved")

    for page, query, key in (
        (DELIVERIES, {"event__type": "testimonial.created"}, "pk"),
        (EVENTS, {"type": "testimonial.created"}, "pk"),
    ):
        with CaptureQueriesContext(connection) as queries:
            answer = admin_client.get(page, query)
        listed = {getattr(row, key) for row in answer.context["cl"].result_list}
        expected = created.pk if page == DELIVERIES else created.event_id
        assert listed == {expected}
        assert "webhook.test" in answer.content.decode()  # every registered type listed
        assert "DISTINCT" not in " ".join(q["sql"].upper() for q in queries)
