"""Cutting user text to a platform's limits without breaking its markup: the raw text is
cut, then escaped, so an escape sequence (``&amp;``, ``\\*``) is never split."""

from __future__ import annotations

from collections.abc import Callable

ELLIPSIS = "…"


def utf16_units(text: str) -> int:
    """Length as JavaScript counts it (an emoji is 2). Slack and Discord count
    characters on their side; this is never less than either count."""
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int, measure: Callable[[str], int] = utf16_units) -> str:
    """``text``, or its longest prefix that, with an ellipsis, measures at most
    ``limit``. ``measure`` must grow with the text (an escaped length does) and count
    every character as at least one, as the measures above do."""
    if measure(text) <= limit:
        return text
    shortest, longest = 0, min(len(text), limit)
    while shortest < longest:
        middle = (shortest + longest + 1) // 2
        if measure(text[:middle] + ELLIPSIS) <= limit:
            shortest = middle
        else:
            longest = middle - 1
    return text[:shortest] + ELLIPSIS if measure(ELLIPSIS) <= limit else ""
