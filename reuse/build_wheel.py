"""``make wheel``: builds ``django-signal-webhooks`` (``reuse/pyproject.toml``) into
``dist/`` from a copy of ``webhooks/`` and ``http_api/``, so the wheel holds exactly those
two packages and none of the testimonials."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("webhooks", "http_api")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


def build(out: Path) -> Path:
    """The wheel's path, in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as staging_dir:
        staging = Path(staging_dir)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(ROOT / "reuse" / name, staging / name)
        for package in PACKAGES:
            shutil.copytree(ROOT / package, staging / package, ignore=IGNORED)
        subprocess.run(  # noqa: S603 - this interpreter's pip, on our own copy
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), "."],
            cwd=staging,
            check=True,
        )
    return max(out.glob("django_signal_webhooks-*.whl"), key=lambda path: path.stat().st_mtime)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist"))
