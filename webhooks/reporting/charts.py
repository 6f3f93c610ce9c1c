"""Chart geometry for the overview page, drawn as inline SVG by its template: no
JavaScript, nothing fetched from elsewhere. Coordinates are computed here; the template
only places them, and prints the numbers beside each picture."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from webhooks.reporting.queries import Hour


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str  # CSS class: succeeded, failed, pending
    label: str  # the tooltip: what this piece counts


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Series:
    """A line through ``markers``: with one point only, a polyline draws nothing, so each
    point also gets a marker (a lone hour of data must show)."""

    markers: list[tuple[float, float]]

    @property
    def points(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.markers)

    def __bool__(self) -> bool:
        return bool(self.markers)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    lines: dict[str, Series]  # CSS class -> its line
    ticks: list[Tick]
    top_label: str  # what the top of the chart stands for


WIDTH, HEIGHT, BOTTOM = 720, 180, 20  # BOTTOM: room for the hour labels
KINDS = ("succeeded", "failed", "pending")


def _scale(values: Sequence[float]) -> float:
    return max([v for v in values if v] or [1.0])


def _ticks(hours: Sequence[Hour], step: float) -> list[Tick]:
    return [
        Tick(x=step * (i + 0.5), label=f"{hour.start:%H}")
        for i, hour in enumerate(hours)
        if i % 3 == 0
    ]


def deliveries(hours: Sequence[Hour]) -> Chart:
    """Stacked bars: each hour's deliveries by what became of them."""
    plot = HEIGHT - BOTTOM
    top = _scale([h.deliveries for h in hours])
    step = WIDTH / max(1, len(hours))
    bars = []
    for i, hour in enumerate(hours):
        base = float(plot)
        for kind in KINDS:
            count = getattr(hour, kind)
            if not count:
                continue
            height = plot * count / top
            base -= height
            bars.append(
                Bar(
                    x=round(step * i + 2, 1),
                    y=round(base, 1),
                    width=round(step - 4, 1),
                    height=round(height, 1),
                    kind=kind,
                    label=f"{hour.start:%H}:00 UTC: {count} {kind}",
                )
            )
    return Chart(WIDTH, HEIGHT, bars, {}, _ticks(hours, step), f"{top:g}")


def latency(hours: Sequence[Hour]) -> Chart:
    """p50 and p95 attempt latency per hour, as two lines (gaps: hours without tries)."""
    plot = HEIGHT - BOTTOM
    top = _scale([h.p95_ms or 0 for h in hours])
    step = WIDTH / max(1, len(hours))
    lines = {}
    for kind, values in (
        ("p50", [h.p50_ms for h in hours]),
        ("p95", [h.p95_ms for h in hours]),
    ):
        lines[kind] = Series(
            [
                (step * (i + 0.5), plot - plot * value / top)
                for i, value in enumerate(values)
                if value is not None
            ]
        )
    return Chart(WIDTH, HEIGHT, [], lines, _ticks(hours, step), f"{top:,.0f} ms")


SPARK_WIDTH, SPARK_HEIGHT = 120, 24


def sparkline(rates: Sequence[float | None]) -> Series:
    """Hourly success rates, 0 at the bottom and 100% at the top (None: no try)."""
    # Inset by the markers' radius, so a marker at either end is drawn whole.
    inset = 2.0
    usable = SPARK_WIDTH - 2 * inset
    step = usable / max(1, len(rates) - 1)
    return Series(
        [
            (inset + step * i, (SPARK_HEIGHT - 2 * inset) * (1 - rate) + inset)
            for i, rate in enumerate(rates)
            if rate is not None
        ]
    )
