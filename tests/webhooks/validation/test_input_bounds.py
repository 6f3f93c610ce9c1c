"""Every input a receiving team controls is bounded by the model (SPEC §10), so the admin,
the API and the portal refuse the same values: retry schedules (at most 20 delays, none
after the first under 1 s, at most 30 days in all), filters (at most 16 KiB and 200
values), custom headers (at most 20, each value at most 4 KiB).

Before: a schedule of ``3000000d`` killed the sender thread, 100 zeros made 101
immediate requests per event, and a 2.4 MB filter saved from the portal added half a
second to every testimonial write."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from tests.support.factories import make_endpoint
from tests.support.portal import entered, make_team
from webhooks.durations import format_duration
from webhooks.event_filters import FilterError, check
from webhooks.event_filters.grammar import MAX_BYTES, MAX_NODES
from webhooks.models import WebhookEndpoint
from webhooks.validation import headers, tuning

pytestmark = pytest.mark.django_db

# The filter of the report: a $or of 7,000 $in lists, 2.4 MB.
HUGE_FILTER = {
    "$or": [{"testimonial": {"rating": {"$in": [1, 2, 3, 4, 5] * 20}}} for _ in range(7000)]
}
WIDE_FILTER = {"testimonial": {"content": {"$in": [f"word {n}" for n in range(150)]}}}
LONG_FILTER = {"testimonial": {"content": {"$startsWith": "x" * (MAX_BYTES + 1)}}}
AT_THE_LIMIT = {"testimonial": {"rating": {"$in": [1, 2, 3, 4, 5] * 19}}}  # 99 values


def values_in(spec: Any) -> int:
    if isinstance(spec, dict):
        return 1 + sum(values_in(v) for v in spec.values())
    if isinstance(spec, list):
        return 1 + sum(values_in(v) for v in spec)
    return 1


def test_a_filter_is_bounded_in_values_and_bytes() -> None:
    assert values_in(AT_THE_LIMIT) <= MAX_NODES
    check(AT_THE_LIMIT)
    two_lists = {"$or": [AT_THE_LIMIT, AT_THE_LIMIT, AT_THE_LIMIT]}
    assert values_in(two_lists) > MAX_NODES
    for spec in (HUGE_FILTER, two_lists):
        with pytest.raises(FilterError, match=f"at most {MAX_NODES} values"):
            check(spec)
    with pytest.raises(FilterError, match="at most 16 KiB"):
        check(LONG_FILTER)


SCHEDULES = ["3000000d", ",".join(["0"] * 100), "0,0.5s"]
REFUSED_HEADERS = [
    {f"X-H{n}": "v" for n in range(headers.MAX_CUSTOM_HEADERS + 1)},
    {"X-Big": "v" * (headers.MAX_HEADER_VALUE + 1)},
    {"X-" + "n" * headers.MAX_HEADER_NAME: "v"},
]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *(("retry_schedule", schedule) for schedule in SCHEDULES),
        ("filter", HUGE_FILTER),
        ("filter", LONG_FILTER),
        *(("headers", refused) for refused in REFUSED_HEADERS),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else "",
)
def test_the_model_refuses_it(field: str, value: Any) -> None:
    endpoint = WebhookEndpoint(url="https://hooks.example.com/in", **{field: value})
    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()
    assert set(refused.value.message_dict) == {field}


def test_within_the_bounds_is_accepted() -> None:
    WebhookEndpoint(
        url="https://hooks.example.com/in",
        retry_schedule=",".join(["1s"] * 19) + ",29d",
        filter=AT_THE_LIMIT,
        headers={f"X-H{n}": "v" * headers.MAX_HEADER_VALUE for n in range(20)},
    ).full_clean()


def test_the_api_refuses_the_same(api_client: Callable[..., APIClient]) -> None:
    api = api_client("webhooks:write")
    endpoint = make_endpoint()
    for body in (
        {"retry_schedule": "3000000d"},
        {"filter": HUGE_FILTER},
        {"headers": REFUSED_HEADERS[1]},
    ):
        answer = api.patch(f"/api/v1/endpoints/{endpoint.pk}/", body, format="json")
        assert answer.status_code == 400, body.keys()
        assert answer.json()["errors"][0]["pointer"] == f"/{next(iter(body))}"
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).retry_schedule == ""


def test_the_admin_refuses_the_same(admin_client: Client) -> None:
    endpoint = make_endpoint()
    page = admin_client.post(
        f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/",
        {
            "url": endpoint.url,
            "retry_schedule": "3000000d",
            "filter": json.dumps(WIDE_FILTER | {"$or": [AT_THE_LIMIT] * 2}),
            "headers": json.dumps(REFUSED_HEADERS[0]),
        },
    )
    text = page.content.decode()
    assert "add up to more than 30 days" in text
    assert f"at most {MAX_NODES} values" in text
    assert "At most 20 custom headers" in text


def test_the_portal_refuses_the_same(client: Client) -> None:
    team = make_team("CRM team")
    entered(client, team)
    answer = client.post(
        f"/portal/endpoints/{team.endpoint.pk}/",
        {
            "url": team.endpoint.url,
            "retry_schedule": ",".join(["0"] * 100),
            "filter": json.dumps(HUGE_FILTER),
        },
    )
    text = answer.content.decode()
    assert "At most 20 delays" in text
    assert f"at most {MAX_NODES} values" in text
    team.endpoint.refresh_from_db()
    assert team.endpoint.filter == {}
    assert team.endpoint.retry_schedule == ""


def test_the_openapi_document_states_the_bounds(
    api_client: Callable[..., APIClient],
) -> None:
    document = api_client().get("/api/schema/", {"format": "json"}).json()
    endpoint = document["components"]["schemas"]["PatchedEndpointRequest"]["properties"]
    assert endpoint["headers"]["maxProperties"] == headers.MAX_CUSTOM_HEADERS
    assert endpoint["headers"]["additionalProperties"]["maxLength"] == headers.MAX_HEADER_VALUE
    assert "At most 20 delays" in endpoint["retry_schedule"]["description"]
    assert "16 KiB" in endpoint["filter"]["description"]


def test_the_configuration_page_states_the_bounds_the_code_keeps() -> None:
    page = (Path(__file__).resolve().parents[3] / "docs" / "configuration.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| (.+) \|$", page, re.MULTILINE))
    assert f"at most {tuning.MAX_SCHEDULE_DELAYS} delays" in rows["retry_schedule"]
    assert f"at least `{format_duration(tuning.MIN_RETRY_DELAY)}`" in rows["retry_schedule"]
    assert f"at most {tuning.MAX_SCHEDULE_SPAN.days} days" in rows["retry_schedule"]
    assert f"at most {MAX_BYTES // 1024} KiB" in rows["filter"]
    assert f"{MAX_NODES} values" in rows["filter"]
    assert f"at most {headers.MAX_CUSTOM_HEADERS} custom headers" in rows["headers"]
    assert f"at most {headers.MAX_HEADER_NAME} characters" in rows["headers"]
    assert f"at most {headers.MAX_HEADER_VALUE // 1024} KiB" in rows["headers"]
