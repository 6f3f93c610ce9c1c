"""Who may scrape, and what a scrape returns.

Access (SPEC §9): with METRICS_TOKEN set, only ``Authorization: Bearer <token>``; without
it, open while DJANGO_DEBUG is on and absent (404) in production, so that a forgotten
token never publishes the numbers.

``/metrics`` on the web process: its own counters (from every gunicorn worker when it runs
under gunicorn.conf.py), the counters of the qcluster workers on this host when they do
not serve their own port, and the backlog gauges. A qcluster's port: its workers' counters.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from webhooks.conf import conf
from webhooks.metrics import directories
from webhooks.metrics.backlog import BacklogCollector

OK, UNAUTHORIZED, NOT_FOUND = 200, 401, 404
# The text format every Prometheus reads (2.x included); our names need nothing newer.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


def access(authorization: str | None) -> int:
    """200, 401 or 404 for a request carrying this ``Authorization`` header."""
    token = conf.metrics_token
    if not token:
        return OK if settings.DEBUG else NOT_FOUND
    given = (authorization or "").encode()
    return OK if hmac.compare_digest(given, f"Bearer {token}".encode()) else UNAUTHORIZED


class FilesCollector(Collector):
    """Sums the multiprocess files of several directories, as one process would."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self.paths = list(paths)

    def collect(self) -> Iterator[Metric]:
        files = [str(f) for path in self.paths for f in path.glob("*.db")]
        return iter(MultiProcessCollector.merge(files, accumulate=True))  # type: ignore[no-untyped-call]


class Summed(Collector):
    """One family per name, samples with the same labels added up: a process's own
    counters and its host's workers' files may both hold ``webhooks_events_total``."""

    def __init__(self, sources: Iterable[Collector]) -> None:
        self.sources = list(sources)

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        totals: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
        for source in self.sources:
            for family in source.collect():
                kept = families.setdefault(
                    family.name,
                    Metric(family.name, family.documentation, family.type, family.unit),
                )
                sums = totals.setdefault(kept.name, {})
                for sample in family.samples:
                    key = (sample.name, tuple(sorted(sample.labels.items())))
                    sums[key] = sums.get(key, 0.0) + sample.value
        for name, family in families.items():
            for (sample_name, labels), value in totals[name].items():
                family.add_sample(sample_name, dict(labels), value)
            yield family


class _Memory(Collector):
    """This process's counters when they are not in files, and its interpreter's."""

    def collect(self) -> Iterator[Metric]:
        return iter(REGISTRY.collect())


def web_registry() -> CollectorRegistry:
    own = directories.current()
    paths = [own] if own is not None else []
    if conf.worker_metrics_port is None:
        paths += directories.group_directories(conf.metrics_dir, directories.WORKER_GROUP)
    sources: list[Collector] = [FilesCollector(paths)]
    if own is None:
        sources.append(_Memory())
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Summed(sources))
    registry.register(BacklogCollector())
    return registry


def worker_registry(cluster_dir: Path) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FilesCollector([cluster_dir]))
    return registry


def scrape(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
