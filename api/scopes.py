"""What an API key may do. Each operation needs exactly one scope."""

from __future__ import annotations

TESTIMONIALS_READ = "testimonials:read"
TESTIMONIALS_WRITE = "testimonials:write"
TESTIMONIALS_MODERATE = "testimonials:moderate"
WEBHOOKS_READ = "webhooks:read"
WEBHOOKS_WRITE = "webhooks:write"

SCOPES: dict[str, str] = {
    TESTIMONIALS_READ: "list and read testimonials and categories",
    TESTIMONIALS_WRITE: "submit, edit and delete testimonials and categories, add media",
    TESTIMONIALS_MODERATE: "approve, reject, feature, archive and respond to testimonials",
    WEBHOOKS_READ: "read endpoints (never their secrets), events, deliveries and the backlog",
    WEBHOOKS_WRITE: "manage endpoints and their secrets, send test events, replay deliveries",
}


def validate(scopes: list[str]) -> list[str]:
    """The unknown ones, in the order given."""
    return [scope for scope in scopes if scope not in SCOPES]
