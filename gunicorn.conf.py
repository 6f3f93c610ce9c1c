"""gunicorn's hooks for this service (gunicorn reads ./gunicorn.conf.py by itself).

Every gunicorn worker counts into files in one directory that ``/metrics`` sums, so that a
scrape answered by any worker reports what all of them did (prometheus-client's
multiprocess mode). The master makes the directory, empty, before it forks the workers,
which import the settings and prometheus-client after.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import environ
from gunicorn.glogging import Logger

from settings import environment
from webhooks.metrics import directories
from webhooks.portal.redaction import redact

BASE_DIR = Path(__file__).resolve().parent

# Two processes unless WEB_CONCURRENCY (the variable gunicorn and hosting platforms use)
# says otherwise: gunicorn's own default is one, which left half of a two-core machine
# idle under 16 API writers (docs/performance.md).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))


class AccessLogger(Logger):  # type: ignore[misc]  # gunicorn ships no types
    """gunicorn's logger, writing portal link tokens (credentials in a URL path) as
    ``[token]`` wherever the access log format quotes the path or the Referer."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        found = super().atoms(resp, req, environ, request_time)
        return {key: redact(v) if isinstance(v, str) else v for key, v in found.items()}


logger_class = AccessLogger


def on_starting(server: Any) -> None:
    env = environ.Env()
    metrics_dir = environment.metrics_dir(env, environment.data_dir(env, BASE_DIR), BASE_DIR)
    directories.prepare(metrics_dir, directories.WEB_GROUP)
