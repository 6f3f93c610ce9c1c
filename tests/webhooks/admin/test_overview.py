"""Webhooks > Overview: the last 24 hours by the hour, drawn server-side, with numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from tests.support.factories import make_endpoint, make_staff, make_traffic
from webhooks.reporting import charts
from webhooks.reporting import queries as overview_queries

pytestmark = pytest.mark.django_db

PAGE = "/admin/webhooks/overview/"


def test_quantiles_from_cumulative_buckets() -> None:
    bounds = overview_queries.BOUNDS_MS
    # 100 attempts: 50 within the 50 ms bucket, the rest within 100 ms.
    cumulative = [0 if b < 50 else 50 if b < 100 else 100 for b in bounds] + [100]
    assert overview_queries.quantile(0.5, cumulative) == 50
    assert overview_queries.quantile(0.95, cumulative) == pytest.approx(95)  # 50 + 50 * 0.9
    assert overview_queries.quantile(0.5, [0] * (len(bounds) + 1)) is None
    beyond = [0] * len(bounds) + [3]  # all slower than the last bound
    assert overview_queries.quantile(0.5, beyond) == bounds[-1]


def test_the_last_24_hours_by_the_hour() -> None:
    now = timezone.now()
    healthy = make_endpoint(description="healthy")
    broken = make_endpoint(description="broken")
    make_traffic(healthy, now, hours=30, per_hour=3)
    make_traffic(broken, now, hours=5, per_hour=2, failing_every=2)
    data = overview_queries.build(now)
    assert len(data.hours) == 24
    assert data.hours[-1].start <= now < data.hours[-1].start + timedelta(hours=1)
    # 24 of the 30 hours of traffic fall in the window (hours 0..23 ago, the first
    # partly): count what is there rather than guess the clock.
    assert data.totals["succeeded"] + data.totals["failed"] == sum(h.deliveries for h in data.hours)
    assert data.totals["failed"] == 5
    assert data.p50_ms is not None
    assert 10 <= data.p50_ms <= data.p95_ms <= 1000  # type: ignore[operator]
    assert [e.endpoint for e in data.endpoints] == [broken, healthy]  # the worst first
    assert data.endpoints[0].success_rate == 0.5
    assert data.endpoints[1].success_rate == 1.0
    assert len(data.endpoints[0].hourly_rates) == 24


def test_charts_fit_their_box() -> None:
    now = timezone.now()
    make_traffic(make_endpoint(), now, hours=24, per_hour=4, failing_every=3)
    data = overview_queries.build(now)
    bars = charts.deliveries(data.hours)
    assert bars.bars
    for bar in bars.bars:
        assert 0 <= bar.x <= bar.x + bar.width <= charts.WIDTH
        assert 0 <= bar.y <= bar.y + bar.height <= charts.HEIGHT - charts.BOTTOM + 0.2
    lines = charts.latency(data.hours)
    points = lines.lines["p95"].markers
    assert all(0 <= x <= charts.WIDTH and 0 <= y <= charts.HEIGHT for x, y in points)
    spark = charts.sparkline([None, 1.0, 0.0])
    assert spark.points == "60.0,2.0 118.0,22.0"


def test_a_lone_hour_of_data_is_drawn_as_a_marker(admin_client: Client) -> None:
    # A polyline through one point draws nothing: a fresh deployment's first hour showed
    # an empty latency chart and empty sparklines.
    now = timezone.now()
    make_traffic(make_endpoint(description="CRM"), now, hours=1, per_hour=3, failing_every=0)
    html = admin_client.get(PAGE).content.decode()
    assert html.count("<circle") >= 3  # p50, p95 and the endpoint's sparkline
    assert charts.sparkline([None, 0.5, None]).markers == [(60.0, 12.0)]


def test_the_page_shows_numbers_beside_the_pictures(
    admin_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    now = timezone.now()
    make_traffic(make_endpoint(description="CRM"), now, hours=3, per_hour=5, failing_every=5)
    with django_assert_max_num_queries(15):
        page = admin_client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode().split('id="overview-page"')[1].split('id="footer"')[0]
    assert html.count("<svg") == 3  # deliveries, latency, one sparkline
    assert '<table id="deliveries-numbers">' in html
    assert 'Succeeded</th><td class="n">12</td>' in html
    assert 'Failed</th><td class="n">3</td>' in html
    assert "80.0%" in html
    assert "<script" not in html


def test_the_page_costs_the_same_whatever_the_traffic(
    admin_client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    admin_client.get(PAGE)  # the session and permissions, once
    now = timezone.now()
    counts = []
    for hours in (1, 6):
        make_traffic(make_endpoint(), now, hours=hours, per_hour=2, failing_every=2)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(PAGE).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_listed_in_the_webhooks_app_for_who_may_read_the_log(client: Client) -> None:
    reader = make_staff("webhooks.view_webhookdelivery")
    client.force_login(reader)
    assert client.get(PAGE).status_code == 200
    assert PAGE in client.get("/admin/webhooks/").content.decode()
    client.force_login(make_staff("webhooks.view_webhookendpoint", username="other"))
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}add/").status_code == 403
