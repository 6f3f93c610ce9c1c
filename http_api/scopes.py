"""What an API key may do. Each operation needs exactly one scope.

The shared app knows no domain: each domain registers its own scopes (``register``) when
its scopes module is imported, which its app does in ``ready()``. What a scope stands for
in Django permissions goes with it, so a grant can never name a scope nobody defined.
"""

from __future__ import annotations

# name -> what it lets a key do, in the order the domains registered them.
SCOPES: dict[str, str] = {}
# name -> the Django permissions a staff user must hold to give it to a key (SPEC §10).
PERMISSIONS: dict[str, tuple[str, ...]] = {}
# Scopes whose every use is recorded against a person: a key acting as nobody lacks them.
NEEDS_A_USER: set[str] = set()


def register(
    name: str, description: str, permissions: tuple[str, ...], *, needs_a_user: bool = False
) -> str:
    """Makes ``name`` a scope keys may hold; returns it, for the domain's constant."""
    SCOPES[name] = description
    PERMISSIONS[name] = permissions
    if needs_a_user:
        NEEDS_A_USER.add(name)
    return name


def validate(scopes: list[str]) -> list[str]:
    """The unknown ones, in the order given."""
    return [scope for scope in scopes if scope not in SCOPES]
