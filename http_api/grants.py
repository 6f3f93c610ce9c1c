"""Nobody grants more than they hold (SPEC §10).

Each scope stands for the Django permissions a staff user must hold to give it to a key.
A key acts as a user or as nobody; a key acting as a user keeps only the scopes that user
still holds, so taking a permission away (or deactivating the user) takes it from their
keys at the next request. Only a superuser makes a key act as another user, or as nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from http_api import scopes

ALL = "all"


def held(user: Any, scope: str) -> bool:
    """Whether ``user`` (a key's user; None: the key acts as nobody) holds ``scope``."""
    if user is None:
        return scope not in scopes.NEEDS_A_USER
    return bool(user.is_active and user.has_perms(scopes.PERMISSIONS[scope]))


def grantable(user: Any) -> list[str]:
    """The scopes ``user`` may give a key (what ``all`` stands for)."""
    return [scope for scope in scopes.SCOPES if held(user, scope)]


def refusals(granting_user: Any, wanted: Iterable[str], acts_as: Any) -> list[str]:
    """Why ``granting_user`` may not make a key with these scopes acting as ``acts_as``
    (``granting_user`` None: someone at the server's command line)."""
    wanted = list(wanted)
    problems = []
    others = acts_as is None or granting_user is None or acts_as.pk != granting_user.pk
    if granting_user is not None and not granting_user.is_superuser and others:
        problems.append("Only a superuser may make a key act as another user or as nobody.")
    # The grantor must hold each scope, and so must the user the key acts as: it keeps
    # only what that user holds.
    for person in dict.fromkeys(p for p in (granting_user, acts_as) if p is not None):
        if not_held := [scope for scope in wanted if not held(person, scope)]:
            problems.append(
                f"{person} does not hold what {', '.join(not_held)} "
                f"stand{'s' if len(not_held) == 1 else ''} for "
                f"({', '.join(p for s in not_held for p in scopes.PERMISSIONS[s])})."
            )
    return problems
