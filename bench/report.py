"""The benchmark's table: one row per figure, one column per configuration, and the
target each figure is held to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.log_scale import PAGE_NAMES

Row = tuple[str, Callable[[dict[str, Any]], str], str]

ROWS: list[Row] = [
    ("machine", lambda r: r["machine"], ""),
    (
        "baseline: raw httpx keep-alive loop",
        lambda r: _figure(r, "baseline_per_s", "{:,.0f} req/s"),
        "",
    ),
    (
        "throughput via qcluster",
        lambda r: f"{r['throughput_per_s']:,.0f}/s ({r['throughput_deliveries']:,} deliveries)",
        "",
    ),
    (
        "ratio to baseline",
        lambda r: f"{r['ratio_to_baseline']:.2f}",
        "≥ 1.0 (must: no lower than before)",
    ),
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
        "one endpoint answering in 100 ms: deliveries/s (peak in flight)",
        lambda r: _figure(
            r, "slow_endpoint_per_s", "{:,.0f}/s ({})", "slow_endpoint_peak_in_flight"
        ),
        "≥ 150 (must ≥ 60)",
    ),
    (
        "the same with max_in_flight 64",
        lambda r: _figure(
            r, "slow_endpoint_64_per_s", "{:,.0f}/s ({})", "slow_endpoint_64_peak_in_flight"
        ),
        "≥ 500 (must ≥ 250)",
    ),
    (
        "quiet endpoint, commit → receipt p50 / p99: calm",
        lambda r: _figure(r, "fairness_calm_p50_ms", "{:.0f} / {:.0f} ms", "fairness_calm_p99_ms"),
        "",
    ),
    (
        "the same during a burst (deliveries to 24 endpoints at 40 ms)",
        lambda r: _figure(
            r,
            "fairness_busy_p50_ms",
            "{:.0f} / {:.0f} ms ({:,} in {:.1f} s)",
            "fairness_busy_p99_ms",
            "fairness_burst_deliveries",
            "fairness_burst_seconds",
        ),
        "p99 ≤ 250 ms (must ≤ 1 s)",
    ),
    (
        "rate limit 50/s, 2 qclusters: worst second / average",
        lambda r: _figure(
            r, "rate_limited_worst_second", "{} / {:.1f}/s", "rate_limited_average_per_s"
        ),
        "≤ 55 / ≥ 45 (must ≤ 60 / ≥ 40)",
    ),
    (
        "ordered endpoint, 1,000 events, 20 % answered 500: out of order",
        lambda r: _figure(
            r,
            "ordered_out_of_order",
            "{} ({:,} requests, {:.0f}/s)",
            "ordered_requests",
            "ordered_per_s",
        ),
        "0",
    ),
    (
        "API: submit + approve, queries with 1 / 100 endpoints",
        lambda r: _figure(
            r, "api_submit_approve_queries_1", "{} / {}", "api_submit_approve_queries_100"
        ),
        "equal",
    ),
    (
        "API: the same with an Idempotency-Key on both (100 endpoints)",
        lambda r: _figure(r, "api_submit_approve_queries_keyed", "{}"),
        "≤ 4 more",
    ),
    (
        "API: GET deliveries?status=failed, p50 / p99",
        lambda r: _figure(
            r,
            "api_failed_p50_ms",
            "{:.1f} / {:.1f} ms ({:,} deliveries)",
            "api_failed_p99_ms",
            "api_log_deliveries",
        ),
        "≤ 30 / ≤ 100 ms (SQLite)",
    ),
    (
        "CloudEvents format: render µs, sample / 5,000 characters",
        lambda r: _figure(
            r, "render_cloudevents_sample_us", "{:.0f} / {:.0f} µs", "render_cloudevents_long_us"
        ),
        "",
    ),
    (
        "Slack format: render µs, sample / 5,000 characters",
        lambda r: _figure(
            r, "render_slack_sample_us", "{:.0f} / {:.0f} µs", "render_slack_long_us"
        ),
        "",
    ),
    (
        "Discord / Teams format: render µs, sample / 5,000 characters",
        lambda r: _figure(
            r,
            "render_discord_sample_us",
            "{:.0f} / {:.0f}, {:.0f} / {:.0f} µs",
            "render_discord_long_us",
            "render_teams_sample_us",
            "render_teams_long_us",
        ),
        "",
    ),
    (
        "approve(), 100 endpoints: median ms without filters / with the widest filters",
        lambda r: _figure(
            r,
            "approve_ms_100_unfiltered",
            "{:.2f} / {:.2f} ms",
            "approve_ms_100_widest_filters",
        ),
        "widest ≤ unfiltered + 10 ms",
    ),
    (
        "approve(), 1 endpoint with the 2.4 MB filter of issue 37 (now refused)",
        lambda r: _figure(r, "approve_ms_1_huge_filter", "{:.0f} ms"),
        "",
    ),
    (
        "loopback throughput, standard / Slack format",
        lambda r: _figure(
            r,
            "formats_standard_per_s",
            "{:,.0f} / {:,.0f}/s ({:,} deliveries each)",
            "formats_slack_per_s",
            "formats_deliveries",
        ),
        "Slack ≥ 0.9 x standard",
    ),
    (
        "GET /metrics: queries, p50 / p99 (backlog gauges read at scrape time)",
        lambda r: _figure(
            r,
            "scrape_queries",
            "{} queries, {:.1f} / {:.1f} ms ({:,} deliveries)",
            "scrape_p50_ms",
            "scrape_p99_ms",
            "watch_deliveries",
        ),
        "4 queries",
    ),
    (
        "admin overview page: queries, p50",
        lambda r: _figure(r, "overview_queries", "{} queries, {:.0f} ms", "overview_p50_ms"),
        "",
    ),
    (
        "one endpoint's failed deliveries, portal / admin: queries, p50",
        lambda r: _figure(
            r,
            "portal_list_queries",
            "{} queries, {:.0f} ms / {} queries, {:.0f} ms",
            "portal_list_p50_ms",
            "admin_list_queries",
            "admin_list_p50_ms",
        ),
        "portal ≤ admin",
    ),
    (
        "10,000 deliveries at 20 ms over 10 / 500 endpoints: deliveries/s",
        lambda r: _figure(
            r, "spread_10_per_s", "{:,.0f} / {:,.0f}/s ({:.2f})", "spread_500_per_s", "spread_ratio"
        ),
        "500 ≥ 0.9 x 10 (must ≥ 0.8)",
    ),
    (
        "24 endpoints answering in 100 ms: deliveries/s (6,000)",
        lambda r: _figure(r, "spread_24_slow_per_s", "{:,.0f}/s"),
        "≥ 500",
    ),
    (
        "API writes, 16 clients via gunicorn: writes/s, webhooks on / off",
        lambda r: _figure(
            r,
            "writes_on_per_s",
            "{:,.0f} / {:,.0f}/s ({:.2f})",
            "writes_off_per_s",
            "writes_on_off_ratio",
        ),
        "on/off ≥ 0.9 (must ≥ 0.8); PostgreSQL ≥ SQLite",
    ),
    (
        "API writes: machine CPU per write, webhooks on / off (off ÷ on)",
        lambda r: _figure(
            r,
            "writes_on_cpu_ms",
            "{:.1f} / {:.1f} ms ({:.2f})",
            "writes_off_cpu_ms",
            "writes_cpu_off_on_ratio",
        ),
        "what the ratio above is, less the machine's mood",
    ),
    (
        "API writes, p50 / p99, webhooks on (off)",
        lambda r: _figure(
            r,
            "writes_on_p50_ms",
            "{:.0f} / {:.0f} ms ({:.0f} / {:.0f})",
            "writes_on_p99_ms",
            "writes_off_p50_ms",
            "writes_off_p99_ms",
        ),
        "p99 ≤ 250 ms",
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
    *(
        (
            f"log {name.replace('_', ' ')}: ms at the small / large size (growth)",
            (lambda r, name=name: _log_page(r, name)),
            "≤ 200 ms (must ≤ 500) and ≤ x2",
        )
        for name in PAGE_NAMES
    ),
    (
        "log: pruning half the large log, deliveries/s (with attempts and events)",
        lambda r: _log_figure(r, "prune_per_s", "{:,.0f}/s"),
        "≥ 100,000 (must ≥ 20,000)",
    ),
    (
        "log: API writes/s while it prunes / without (ratio)",
        lambda r: _log_writes(r),
        "≥ 0.8",
    ),
]

NAMES = {"sqlite": "SQLite + ORM broker", "postgresql": "PostgreSQL + Redis"}


def _log_page(result: dict[str, Any], name: str) -> str:
    sizes = result.get("log_sizes")
    if not sizes:
        return "not measured"
    small, large = sizes[0], sizes[-1]
    return (
        f"{result[f'log_{small}_{name}_ms']:.0f} / {result[f'log_{large}_{name}_ms']:.0f} "
        f"(x{result[f'log_{name}_growth']:.1f}; {small:,} / {large:,})"
    )


def _log_figure(result: dict[str, Any], key: str, template: str) -> str:
    sizes = result.get("log_sizes")
    if not sizes:
        return "not measured"
    return template.format(result[f"log_{sizes[-1]}_{key}"])


def _log_writes(result: dict[str, Any]) -> str:
    sizes = result.get("log_sizes")
    if not sizes or f"log_{sizes[-1]}_writes_ratio" not in result:
        return "not measured"
    prefix = f"log_{sizes[-1]}_writes"
    return (
        f"{result[f'{prefix}_pruning_per_s']:.0f} / {result[f'{prefix}_alone_per_s']:.0f} "
        f"({result[f'{prefix}_ratio']:.2f})"
    )


def _figure(result: dict[str, Any], first: str, template: str, *more: str) -> str:
    """``template`` filled with these figures, or "not measured" (``--figures``)."""
    if first not in result:
        return "not measured"
    return template.format(result[first], *(result[name] for name in more))


def table(runs: dict[str, dict[str, Any]]) -> str:
    """A Markdown table, readable in a terminal and pasteable into the README."""
    header = ["figure", *(NAMES.get(name, name) for name in runs), "target"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, render, target in ROWS:
        cells = [_cell(render, result) for result in runs.values()]
        lines.append("| " + " | ".join([label, *cells, target]) + " |")
    return "\n".join(lines)


def _cell(render: Callable[[dict[str, Any]], str], result: dict[str, Any]) -> str:
    try:
        return render(result)
    except KeyError:  # a figure left out with --figures
        return "not measured"
