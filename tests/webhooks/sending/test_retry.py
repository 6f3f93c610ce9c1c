"""Durations, the retry schedule with jitter, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from pytest_django import Settings

from webhooks.conf import conf
from webhooks.durations import format_duration, parse_duration, parse_durations
from webhooks.exceptions import InvalidDuration
from webhooks.sending.retry import next_retry_delay, parse_retry_after


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("5s", 5),
        ("0.2s", 0.2),
        ("200ms", 0.2),
        ("5m", 300),
        ("2h", 7200),
        ("3d", 259200),
        ("1w", 604800),
        ("7", 7),
        (" 10 M ", 600),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "five", "5y", "-5s", "5 s s", "1e3s"])
def test_unreadable_durations_say_how_to_write_one(text: str) -> None:
    with pytest.raises(InvalidDuration, match=r"e\.g\. 0\.5s, 5m"):
        parse_duration(text)


def test_duration_lists_and_formatting() -> None:
    assert parse_durations("5s, 5m,,2h") == [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(hours=2),
    ]
    assert [format_duration(d) for d in parse_durations("5d,36h,90s,0.5s")] == [
        "5d",
        "36h",
        "90s",
        "0.5s",
    ]


def test_the_default_schedule_is_exponential_and_about_three_days() -> None:
    schedule = conf.retry_schedule
    total = sum(schedule, timedelta())

    assert schedule[0] == timedelta(seconds=5)
    assert all(later >= earlier for earlier, later in pairwise(schedule))
    assert timedelta(days=2.5) <= total <= timedelta(days=3.5)


def test_each_delay_precedes_one_retry_then_the_schedule_ends(settings: Settings) -> None:
    settings.WEBHOOKS_RETRY_SCHEDULE = "1s,10s,100s"
    settings.WEBHOOKS_RETRY_JITTER = 0

    delays = [next_retry_delay(tries) for tries in range(1, 5)]

    assert delays == [timedelta(seconds=1), timedelta(seconds=10), timedelta(seconds=100), None]


def test_jitter_stays_within_its_bounds_and_varies(settings: Settings) -> None:
    settings.WEBHOOKS_RETRY_SCHEDULE = "100s"
    settings.WEBHOOKS_RETRY_JITTER = 0.2

    draws = {next_retry_delay(1) for _ in range(500)}

    assert all(timedelta(seconds=80) <= d <= timedelta(seconds=120) for d in draws if d)
    assert len(draws) > 100
    assert min(d for d in draws if d) < timedelta(seconds=90)
    assert max(d for d in draws if d) > timedelta(seconds=110)


def test_retry_after_wins_when_longer_and_is_capped(settings: Settings) -> None:
    settings.WEBHOOKS_RETRY_SCHEDULE = "1s"
    settings.WEBHOOKS_RETRY_JITTER = 0
    settings.WEBHOOKS_RETRY_AFTER_MAX = "1h"

    assert next_retry_delay(1, timedelta(seconds=30)) == timedelta(seconds=30)
    assert next_retry_delay(1, timedelta(days=30)) == timedelta(hours=1)
    assert next_retry_delay(1, timedelta(0)) == timedelta(seconds=1)


NOW = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", timedelta(seconds=120)),
        (" 0 ", timedelta(0)),
        ("Tue, 24 Nov 2026 10:05:00 GMT", timedelta(minutes=5)),
        ("Tue, 24 Nov 2026 09:00:00 GMT", timedelta(0)),
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds_or_as_an_http_date(
    header: str | None, expected: timedelta | None
) -> None:
    assert parse_retry_after(header, NOW) == expected
