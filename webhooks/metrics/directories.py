"""Where prometheus-client's multiprocess mode keeps counters: one directory per process
group that has several processes counting, under METRICS_DIR.

A qcluster (``qcluster-<host>-<pid>``) and a gunicorn (``web-<host>-<pid>``) each get
their own, emptied when they start: the library sums every file in a directory, so a
directory shared by two groups, or kept from a previous run, would add counts that are
not theirs. The variable must be set before ``prometheus_client`` is first imported,
which is why ``manage.py`` and ``gunicorn.conf.py`` call ``prepare`` before Django sets up,
and why this module imports no Django.

Directories whose process has ended on this host are removed by the next start; those of
other hosts sharing the volume are left to their own host.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Sequence
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
WORKER_GROUP = "qcluster"
WEB_GROUP = "web"


def group_of(argv: Sequence[str]) -> str | None:
    """The group a ``manage.py`` command starts, if any: ``qcluster`` forks workers."""
    return WORKER_GROUP if len(argv) > 1 and argv[1] == "qcluster" else None


def prepare(metrics_dir: Path, group: str) -> Path:
    """This process's directory, empty, named in the environment for it and its
    children; the directories of ended processes of this host are removed."""
    host = socket.gethostname()
    metrics_dir.mkdir(parents=True, exist_ok=True)
    own = metrics_dir / f"{group}-{host}-{os.getpid()}"
    for directory in metrics_dir.glob(f"{group}-{host}-*"):
        if directory == own or not _running(directory.name.rsplit("-", 1)[-1]):
            shutil.rmtree(directory, ignore_errors=True)
    own.mkdir()
    os.environ[VARIABLE] = str(own)
    return own


def group_directories(metrics_dir: Path, group: str) -> list[Path]:
    return sorted(p for p in metrics_dir.glob(f"{group}-*") if p.is_dir())


def current() -> Path | None:
    """The directory this process counts into, when it is in multiprocess mode."""
    value = os.environ.get(VARIABLE)
    return Path(value) if value else None


def _running(pid_text: str) -> bool:
    try:
        os.kill(int(pid_text), 0)
    except ValueError:
        return False
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
