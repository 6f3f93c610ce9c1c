"""docs/api.md's error example is what the API answers, and its table lists every problem
type the service has."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from http_api import problem_types
from tests.support.processes import ROOT

PAGE = (ROOT / "docs" / "api.md").read_text()
EXAMPLE = re.compile(
    r"<!-- api-error-example: (?P<method>[A-Z]+) (?P<path>\S+) (?P<body>\{.*\}) -->\n"
    r"```json\n(?P<answer>.*?)```",
    re.DOTALL,
)


@pytest.mark.django_db
def test_the_documented_error_is_the_answer(api_client: Callable[..., APIClient]) -> None:
    (example,) = EXAMPLE.finditer(PAGE)
    client = api_client("testimonials:write")

    answer = client.generic(
        example["method"], example["path"], example["body"], content_type="application/json"
    )

    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json() == json.loads(example["answer"])


def test_the_table_lists_every_problem_type() -> None:
    listed = set(re.findall(r"^\| `([a-z-]+)/` \|", PAGE, re.MULTILINE))

    assert listed == set(problem_types.TYPES)
