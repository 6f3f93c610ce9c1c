"""docs/operations.md: its alert rules name only what the service exports, and do what
they say (``promtool check rules`` and ``promtool test rules``, Debian's prometheus)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from tests.support.processes import ROOT
from webhooks.metrics import exposition

pytestmark = pytest.mark.django_db

DOC = ROOT / "docs" / "operations.md"
PROMTOOL = os.environ.get("PROMTOOL", "promtool")
MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"')


def alert_rules() -> dict[str, Any]:
    found = re.search(r"<!-- alert-rules -->\n```yaml\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert found, "docs/operations.md has no alert-rules block"
    rules: dict[str, Any] = yaml.safe_load(found.group(1))
    return rules


def rules_by_name() -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for group in alert_rules()["groups"] for rule in group["rules"]}


def exported() -> dict[str, dict[str, set[str]]]:
    """Every sample name the service exports, with the values seen for each label."""
    registry = CollectorRegistry()
    registry.register(exposition.Summed([exposition._Memory()]))
    text = exposition.scrape(registry) + exposition.scrape(exposition.web_registry())
    names: dict[str, dict[str, set[str]]] = {}
    for family in text_string_to_metric_families(text.decode()):
        for sample in family.samples:
            labels = names.setdefault(sample.name, {})
            for label, value in sample.labels.items():
                labels.setdefault(label, set()).add(value)
    return names


def test_three_rules_backlog_failures_and_disabled_endpoints() -> None:
    assert set(rules_by_name()) == {
        "WebhookBacklogLate",
        "WebhookFailureRatioHigh",
        "WebhookEndpointsDisabled",
    }


def test_the_rules_name_only_exported_metrics_and_labels() -> None:
    names = exported()
    for alert, rule in rules_by_name().items():
        expr = rule["expr"]
        used = set(re.findall(r"\bwebhooks_\w+", expr))
        assert used, alert
        for metric in used:
            assert metric in names, f"{alert}: {metric} is not exported"
        for selector in re.findall(r"(webhooks_\w+)\{([^}]*)\}", expr):
            metric, matchers = selector
            for label, operator, value in MATCHER.findall(matchers):
                assert label in names[metric], f"{alert}: {metric} has no label {label}"
                if operator in ("=", "!="):
                    assert value in names[metric][label], f"{alert}: {label}={value}?"


def promtool() -> str:
    found = shutil.which(PROMTOOL)
    if found:
        return found
    message = "no promtool: `apt-get install prometheus` (make test does it as root)"
    if os.environ.get("REQUIRE_PROMTOOL"):
        pytest.fail(message)
    pytest.skip(message)


def expected(alert: str) -> dict[str, Any]:
    rule = rules_by_name()[alert]
    return {"exp_labels": rule["labels"], "exp_annotations": rule["annotations"]}


def rule_tests() -> list[dict[str, Any]]:
    """Each rule quiet while things are fine, firing once its condition has lasted."""
    return [
        {
            "interval": "1m",
            "input_series": [
                # Two web targets serve the same gauge: max(), not sum().
                {"series": 'webhooks_oldest_due_seconds{instance="web-1"}', "values": "0x5 400x20"},
                {"series": 'webhooks_oldest_due_seconds{instance="web-2"}', "values": "0x5 400x20"},
            ],
            "alert_rule_test": [
                {"eval_time": "8m", "alertname": "WebhookBacklogLate", "exp_alerts": []},
                {
                    "eval_time": "12m",
                    "alertname": "WebhookBacklogLate",
                    "exp_alerts": [expected("WebhookBacklogLate")],
                },
            ],
        },
        {
            "interval": "1m",
            "input_series": [
                {"series": 'webhooks_attempts_total{outcome="success"}', "values": "0+60x60"},
                {
                    "series": 'webhooks_attempts_total{outcome="http_error"}',
                    "values": "0+6x20 120+60x40",
                },
                {"series": 'webhooks_attempts_total{outcome="timeout"}', "values": "0x60"},
            ],
            "alert_rule_test": [
                {"eval_time": "15m", "alertname": "WebhookFailureRatioHigh", "exp_alerts": []},
                {
                    "eval_time": "55m",
                    "alertname": "WebhookFailureRatioHigh",
                    "exp_alerts": [expected("WebhookFailureRatioHigh")],
                },
            ],
        },
        {
            "interval": "1m",
            "input_series": [
                {"series": 'webhooks_endpoints{state="active"}', "values": "3x10"},
                {"series": 'webhooks_endpoints{state="disabled"}', "values": "0x3 1x7"},
            ],
            "alert_rule_test": [
                {"eval_time": "3m", "alertname": "WebhookEndpointsDisabled", "exp_alerts": []},
                {
                    "eval_time": "6m",
                    "alertname": "WebhookEndpointsDisabled",
                    "exp_alerts": [expected("WebhookEndpointsDisabled")],
                },
            ],
        },
    ]


def test_promtool_checks_and_tests_the_rules(tmp_path: Path) -> None:
    tool = promtool()
    rules = tmp_path / "webhooks.rules.yml"
    rules.write_text(yaml.safe_dump(alert_rules()))
    checked = subprocess.run(
        [tool, "check", "rules", str(rules)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tests = tmp_path / "webhooks.rules.test.yml"
    tests.write_text(
        yaml.safe_dump(
            {
                "rule_files": [rules.name],
                "evaluation_interval": "1m",
                "tests": rule_tests(),
            },
            allow_unicode=True,
        )
    )
    tested = subprocess.run(
        [tool, "test", "rules", str(tests)], capture_output=True, text=True, check=False
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
