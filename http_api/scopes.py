"""What an API key may do. Each operation needs exactly one scope."""

from __future__ import annotations

TESTIMONIALS_READ = "testimonials:read"
TESTIMONIALS_WRITE = "testimonials:write"
TESTIMONIALS_MODERATE = "testimonials:moderate"
WEBHOOKS_READ = "webhooks:read"
WEBHOOKS_WRITE = "webhooks:write"
WEBHOOKS_SECRETS = "webhooks:secrets"

SCOPES: dict[str, str] = {
    TESTIMONIALS_READ: "list and read testimonials and categories",
    TESTIMONIALS_WRITE: "submit, edit and delete testimonials and categories, add media",
    TESTIMONIALS_MODERATE: "approve, reject, feature, archive and respond to testimonials",
    WEBHOOKS_READ: "read endpoints (URLs masked, never their secrets), events, deliveries "
    "and the backlog (payloads also need testimonials:read)",
    WEBHOOKS_WRITE: "manage endpoints (full URLs), rotate secrets, send test events, replay "
    "deliveries",
    WEBHOOKS_SECRETS: "read an endpoint's signing secret (each read is recorded)",
}


def validate(scopes: list[str]) -> list[str]:
    """The unknown ones, in the order given."""
    return [scope for scope in scopes if scope not in SCOPES]
