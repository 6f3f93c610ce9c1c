"""The webhooks' API scopes, registered with the shared API app."""

from __future__ import annotations

from http_api.scopes import register

WEBHOOKS_READ = register(
    "webhooks:read",
    "read endpoints (URLs masked, never their secrets), events, deliveries and the backlog "
    "(payloads also need the read scopes their event types declare)",
    ("webhooks.view_webhookendpoint", "webhooks.view_webhookdelivery"),
)
WEBHOOKS_WRITE = register(
    "webhooks:write",
    "manage endpoints (full URLs), rotate secrets, send test events, replay deliveries",
    ("webhooks.change_webhookendpoint",),
)
# Every read of a secret is recorded against a person.
WEBHOOKS_SECRETS = register(
    "webhooks:secrets",
    "read an endpoint's signing secret (each read is recorded)",
    ("webhooks.reveal_secret",),
    needs_a_user=True,
)
