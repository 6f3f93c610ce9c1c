"""Endpoint filters (SPEC §7): what each operator means, the messages a wrong filter
gets (naming the path and the operator), and filters applied when the event is recorded."""

from __future__ import annotations

import logging
import os
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.factories import make_category, make_endpoint, make_testimonial
from webhooks import endpoint_actions, event_filters
from webhooks.event_filters import FilterError, check, matches, matching
from webhooks.event_types import catalogue
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.publishing.preview import preview

DATA = {
    "testimonial": {
        "id": 7,
        "rating": 4,
        "status": "approved",
        "content": "Great support",
        "company": None,
        "is_anonymous": False,
        "category": {"id": 1, "name": "Support", "slug": "support"},
        "created_at": "2026-11-24T10:00:00.000000Z",
    },
    "reason": "",
}

DEEP: dict[str, Any] = {"z": 1}
for _ in range(12):
    DEEP = {"a": DEEP}

SPEC_EXAMPLE = {"testimonial": {"rating": {"$gte": 4}, "category": {"slug": {"$in": ["support"]}}}}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, True),
        (None, True),
        (SPEC_EXAMPLE, True),
        ({"testimonial": {"rating": 4}}, True),
        ({"testimonial": {"rating": 4.0}}, True),
        ({"testimonial": {"rating": 5}}, False),
        ({"testimonial": {"rating": {"$neq": 5}}}, True),
        ({"testimonial": {"rating": {"$gt": 4}}}, False),
        ({"testimonial": {"rating": {"$gte": 4, "$lte": 4}}}, True),
        ({"testimonial": {"rating": {"$lt": 4}}}, False),
        ({"testimonial": {"rating": {"$in": [4, 5]}}}, True),
        ({"testimonial": {"rating": {"$nin": [4, 5]}}}, False),
        ({"testimonial": {"rating": {"$eq": "4"}}}, False),
        ({"testimonial": {"is_anonymous": 0}}, False),
        ({"testimonial": {"is_anonymous": False}}, True),
        ({"testimonial": {"company": None}}, True),
        ({"testimonial": {"company": {"$exists": False}}}, True),
        ({"testimonial": {"category": {"$exists": True}}}, True),
        ({"testimonial": {"missing": {"$exists": False}}}, True),
        ({"testimonial": {"missing": {"$neq": 1}}}, True),
        ({"testimonial": {"missing": {"$nin": [1]}}}, True),
        ({"testimonial": {"missing": 1}}, False),
        ({"testimonial": {"content": {"$startsWith": "Great"}}}, True),
        ({"testimonial": {"rating": {"$startsWith": "4"}}}, False),
        ({"testimonial": {"created_at": {"$gte": "2026-11-01"}}}, True),
        ({"testimonial": {"created_at": {"$gt": 3}}}, False),
        ({"testimonial": {"category": {"slug": "billing"}}}, False),
        ({"testimonial": {"rating": {"slug": "x"}}}, False),
        ({"$or": [{"testimonial": {"rating": 5}}, {"testimonial": {"status": "approved"}}]}, True),
        (
            {"$and": [{"testimonial": {"rating": 4}}, {"testimonial": {"status": "rejected"}}]},
            False,
        ),
        ({"$not": {"testimonial": {"rating": 4}}}, False),
        ({"testimonial": {"rating": {"$not": {"$lt": 4}}}}, True),
        ({"testimonial": {"rating": {"$not": 3}}}, True),
    ],
)
def test_operators(spec: Any, expected: bool) -> None:
    check(spec)
    assert matches(spec, DATA) is expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([], "a filter is a JSON object"),
        (
            {"testimonial": {"rating": {"$gte": [4]}}},
            "testimonial.rating $gte: needs a number or a string, not array",
        ),
        ({"testimonial": {"rating": {"$gt3": 4}}}, "testimonial.rating: unknown operator $gt3"),
        (
            {"testimonial": {"rating": {"$in": []}}},
            "testimonial.rating $in: needs a list of 1 to 100 values",
        ),
        (
            {"testimonial": {"rating": {"$in": [[1]]}}},
            "testimonial.rating $in: lists strings, numbers",
        ),
        (
            {"testimonial": {"rating": {"$exists": "yes"}}},
            "testimonial.rating $exists: needs true or false",
        ),
        (
            {"testimonial": {"content": {"$startsWith": 1}}},
            "testimonial.content $startsWith: needs a string",
        ),
        ({"testimonial": {"rating": {"$eq": {"a": 1}}}}, "needs a string, number, boolean or null"),
        (
            {"testimonial": {"rating": [4, 5]}},
            'testimonial.rating: a list is not a value here: use {"$in": [...]}',
        ),
        ({"testimonial": {}}, "testimonial: empty condition"),
        (
            {"testimonial": {"rating": {"$gte": 4, "slug": 1}}},
            "testimonial.rating: mixes operators",
        ),
        ({"$gte": 4}, "$gte is not an operator here"),
        ({"$and": {}}, "$and needs a non-empty list of filters"),
        ({"$or": [1]}, "$or needs a list of filters"),
        ({"$not": []}, "$not needs a filter"),
        (
            DEEP,
            "nested more than 10",
        ),
    ],
)
def test_a_wrong_filter_is_refused_naming_the_path_and_operator(spec: Any, message: str) -> None:
    with pytest.raises(FilterError) as caught:
        check(spec)
    assert message in str(caught.value)


SCHEMAS = [
    catalogue.data_schema("testimonial.approved"),
    catalogue.data_schema("testimonial.rejected"),
]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"testimonal": {"rating": 5}},
            "testimonal: no such field in the events this endpoint receives; "
            "fields here: reason, testimonial",
        ),
        ({"testimonial": {"stars": 5}}, "testimonial.stars: no such field"),
        (
            {"testimonial": {"rating": "5"}},
            "testimonial.rating $eq: testimonial.rating is integer, never string '5'",
        ),
        (
            {"testimonial": {"rating": {"$gte": "4"}}},
            "testimonial.rating is integer; it cannot be compared with string",
        ),
        ({"testimonial": {"status": "aproved"}}, "'aproved' is not one of pending, approved"),
        (
            {"testimonial": {"rating": {"$startsWith": "4"}}},
            "testimonial.rating is integer, not a string",
        ),
        ({"testimonial": {"rating": {"value": 4}}}, "testimonial.rating: is not an object"),
        (
            {"testimonial": {"category": {"slug": {"$in": ["support", 3]}}}},
            "testimonial.category.slug $in: testimonial.category.slug is string, never integer 3",
        ),
    ],
)
def test_with_the_event_schemas_unknown_fields_and_wrong_types_are_refused(
    spec: Any, message: str
) -> None:
    with pytest.raises(FilterError) as caught:
        check(spec, SCHEMAS)
    assert message in str(caught.value)


def test_every_spec_example_passes_the_schema_check() -> None:
    check(SPEC_EXAMPLE, SCHEMAS)
    check({"reason": {"$startsWith": "spam"}}, SCHEMAS)
    check({"testimonial": {"category": None, "company": {"$exists": True}}}, SCHEMAS)


# -- on the model -----------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def test_full_clean_names_the_filter_field() -> None:
    endpoint = WebhookEndpoint(
        url="https://hooks.example.com/in", filter={"testimonial": {"rating": {"$gte": "4"}}}
    )
    with pytest.raises(ValidationError) as caught:
        endpoint.full_clean()
    assert "filter" in caught.value.message_dict
    assert "testimonial.rating $gte" in caught.value.message_dict["filter"][0]


def test_fields_are_checked_against_the_subscribed_types_only() -> None:
    reason_filter = {"reason": {"$startsWith": "spam"}}
    WebhookEndpoint(
        url="https://hooks.example.com/in",
        event_types=["testimonial.rejected"],
        filter=reason_filter,
    ).full_clean()
    endpoint = WebhookEndpoint(
        url="https://hooks.example.com/in",
        event_types=["testimonial.approved"],
        filter=reason_filter,
    )
    with pytest.raises(ValidationError, match="reason: no such field"):
        endpoint.full_clean()


def test_a_filtered_out_endpoint_gets_no_delivery() -> None:
    support = make_category(name="Support", slug="support")
    wanted = make_endpoint(filter=SPEC_EXAMPLE)
    everything = make_endpoint()

    make_testimonial(rating=5, category=support)
    make_testimonial(rating=3, category=support)
    make_testimonial(rating=5)

    assert WebhookDelivery.objects.filter(endpoint=everything).count() == 3
    (delivery,) = WebhookDelivery.objects.filter(endpoint=wanted)
    assert delivery.event.payload_data()["data"]["testimonial"]["rating"] == 5


def test_nobody_wanting_the_event_records_no_event() -> None:
    make_endpoint(filter={"testimonial": {"rating": 5}})
    make_testimonial(rating=2)
    assert not WebhookDelivery.objects.exists()


def test_a_test_event_reaches_the_endpoint_whatever_its_filter() -> None:
    endpoint = make_endpoint(filter={"testimonial": {"rating": 5}})
    assert endpoint_actions.send_test_event(endpoint).endpoint == endpoint


def test_an_unreadable_stored_filter_sends_rather_than_breaks_the_change(
    caplog: pytest.LogCaptureFixture,
) -> None:
    endpoint = make_endpoint()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(filter=["not", "a", "filter"])
    with caplog.at_level(logging.ERROR, logger="webhooks.event_filters.matching"):
        make_testimonial()
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1
    assert "has an unreadable filter" in caplog.text


def test_approve_costs_the_same_queries_with_100_filtered_endpoints() -> None:
    def approve_queries() -> int:
        testimonial = make_testimonial(rating=5)
        with CaptureQueriesContext(connection) as queries:
            testimonial.approve()
        return len(queries)

    make_endpoint(filter={"testimonial": {"rating": {"$gte": 4}, "category": None}})
    with_one = approve_queries()
    for n in range(99):
        make_endpoint(filter={"testimonial": {"rating": {"$gte": n % 5 + 1}}})
    with_hundred = approve_queries()
    assert with_hundred == with_one
    assert WebhookDelivery.objects.filter(event__type="testimonial.approved").count() == 1 + 100


def test_the_checker_and_matcher_are_exported() -> None:
    assert event_filters.__all__ == ["FilterError", "check", "matches", "passes"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(["testimonial", "rating", "category", "slug", "$eq", "$gte", "$in",
                         "$not", "$and", "$or", "$exists", "$startsWith", "x"]),
        inner,
        max_size=4,
    ),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=int(os.environ.get("FILTER_EXAMPLES", "300")), deadline=None)
@given(spec=JSON, data=JSON)
def test_any_json_is_refused_with_a_filter_error_or_evaluates(spec: Any, data: Any) -> None:
    """Whatever a client sends as a filter: a FilterError (a 400), never a crash; and
    a filter that passes the check evaluates against any data without raising."""
    for schemas in ((), SCHEMAS):
        try:
            check(spec, schemas)
        except FilterError:
            continue
        assert matches(spec, data) in (True, False)
        assert matches(spec, DATA) in (True, False)


SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.0, 1.0, 2.5])
SCALARS |= st.sampled_from(["", "a", "1", "true"])


@settings(max_examples=int(os.environ.get("FILTER_EXAMPLES", "300")), deadline=None)
@given(field=SCALARS | st.lists(SCALARS, max_size=2), operand=st.lists(SCALARS, max_size=6))
def test_in_means_equal_to_one_of_them(field: Any, operand: list[Any]) -> None:
    """``$in`` searches its list the fast way where it can: the same answer as comparing
    item by item with JSON's equality (true is not 1, 1 is 1.0, "1" is not 1)."""
    one_by_one = any(matching._equal(field, item) for item in operand)
    assert matches({"x": {"$in": operand}}, {"x": field}) is one_by_one
    assert matches({"x": {"$nin": operand}}, {"x": field}) is not one_by_one


# Valid filters that pass and that do not, and stored ones full_clean() would refuse.
PREVIEW_FILTERS: list[Any] = [
    {},
    {"testimonial": {"rating": 5}},
    {"testimonial": {"rating": {"$lt": 3}}},
    ["not", "a", "filter"],
    "a string",
    {"$and": 3},
    {"testimonial": {"rating": {"$in": 5}}},
]


@pytest.mark.parametrize("spec", PREVIEW_FILTERS, ids=repr)
def test_the_preview_says_what_the_outbox_does_for_every_filter(spec: Any) -> None:
    make_endpoint(event_types=["testimonial.created"])  # so the event is always recorded
    endpoint = make_endpoint(event_types=["testimonial.created"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(filter=spec)
    endpoint.refresh_from_db()

    make_testimonial(rating=5)

    sent = WebhookDelivery.objects.filter(endpoint=endpoint).exists()
    shown = preview(endpoint, "testimonial.created")
    assert shown.event is not None, "the preview reads the event that was recorded"
    assert shown.would_send is sent
