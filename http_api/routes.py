"""Which domains serve resources under ``/api/v1/``: each registers its URLconf in its
app's ``ready()``, so the shared app names no domain."""

from __future__ import annotations

URLCONFS: list[str] = []


def register(urlconf: str) -> None:
    """Serves ``urlconf``'s patterns under ``/api/v1/`` (once, however often called)."""
    if urlconf not in URLCONFS:
        URLCONFS.append(urlconf)
