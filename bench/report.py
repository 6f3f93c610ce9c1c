"""The benchmark's table: one row per figure, one column per configuration, and the
target each figure is held to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = tuple[str, Callable[[dict[str, Any]], str], str]

ROWS: list[Row] = [
    ("machine", lambda r: r["machine"], ""),
    ("baseline: raw httpx keep-alive loop", lambda r: f"{r['baseline_per_s']:,.0f} req/s", ""),
    (
        "throughput via qcluster",
        lambda r: f"{r['throughput_per_s']:,.0f}/s ({r['throughput_deliveries']:,} deliveries)",
        "",
    ),
    ("ratio to baseline", lambda r: f"{r['ratio_to_baseline']:.2f}", "≥ 1.0 (must ≥ 0.5)"),
    (
        "approve(): queries, 1 / 100 endpoints",
        lambda r: (
            f"{r['approve_queries_1']} / {r['approve_queries_100']}"
            + (
                f" (+{r['approve_transaction_statements_1']} BEGIN/COMMIT)"
                if r["approve_transaction_statements_1"]
                else ""
            )
        ),
        "equal, ≤ 5",
    ),
    (
        "approve(): median ms, 1 / 100 endpoints",
        lambda r: f"{r['approve_ms_1']:.2f} / {r['approve_ms_100']:.2f}",
        "",
    ),
    (
        "latency commit → receipt p50 / p99 (20/s)",
        lambda r: f"{r['latency_p50_ms']:.0f} / {r['latency_p99_ms']:.0f} ms",
        "≤ 100 / ≤ 500 ms",
    ),
    (
        "isolation: 9 healthy + 1 hanging vs 10 healthy",
        lambda r: (
            f"{r['isolation_fraction']:.0%} "
            f"({r['isolation_one_hanging_per_s']:,.0f} vs "
            f"{r['isolation_all_healthy_per_s']:,.0f}/s)"
        ),
        "≥ 90 % (must ≥ 50 %)",
    ),
    (
        "worker RSS before → after deliveries",
        lambda r: (
            f"{r['worker_rss_before_mb']:.0f} → {r['worker_rss_after_mb']:.0f} MB "
            f"(+{r['worker_rss_growth_mb']:.1f} over {r['memory_deliveries']:,})"
            if "worker_rss_growth_mb" in r
            else "not measured"
        ),
        "≤ +30 MB (must ≤ +100)",
    ),
    ("run time", lambda r: f"{r['run_seconds']:.0f} s", ""),
]

NAMES = {"sqlite": "SQLite + ORM broker", "postgresql": "PostgreSQL + Redis"}


def table(runs: dict[str, dict[str, Any]]) -> str:
    """A Markdown table, readable in a terminal and pasteable into the README."""
    header = ["figure", *(NAMES.get(name, name) for name in runs), "target"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, render, target in ROWS:
        cells = [render(result) for result in runs.values()]
        lines.append("| " + " | ".join([label, *cells, target]) + " |")
    return "\n".join(lines)
