"""Wording shared by the commands and the admin."""

from __future__ import annotations

# Nouns this app counts, singular → plural.
_PLURALS = {
    "delivery": "deliveries",
    "attempt": "attempts",
    "event": "events",
    "endpoint": "endpoints",
}


def counted(number: int, noun: str) -> str:
    """``counted(1, "delivery")`` → "1 delivery"; ``counted(3, "delivery")`` → "3 deliveries"."""
    return f"{number} {noun if number == 1 else _PLURALS[noun]}"
