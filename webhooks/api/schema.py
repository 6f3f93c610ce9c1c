"""The OpenAPI document's ``webhooks`` section: every request this service sends, with the
JSON Schema of its body, so receivers can generate typed models from the same document."""

from __future__ import annotations

from typing import Any

from webhooks.event_types import catalogue

SIGNATURE_HEADERS = {
    "webhook-id": "The event's id: the same on every try, replay and endpoint.",
    "webhook-timestamp": "Unix seconds of this attempt.",
    "webhook-signature": "v1,<base64 HMAC-SHA256 of id.timestamp.body>; several, "
    "space-separated, while a secret is being rotated.",
}


SIGNATURE_SCHEME = "webhookSignature"
# How a receiver knows a webhook is ours: described as the security of each webhook.
SIGNATURE_SECURITY = {
    "type": "apiKey",
    "in": "header",
    "name": "webhook-signature",
    "description": "Standard Webhooks (https://www.standardwebhooks.com): `v1,` and the "
    "base64 HMAC-SHA256, keyed with the endpoint's secret (the bytes after `whsec_`, "
    "base64-decoded), of `{webhook-id}.{webhook-timestamp}.{body}`. Verify it with the "
    "official library (`Webhook(secret).verify(body, headers)`), which also refuses a "
    "timestamp more than five minutes away; during a rotation's overlap several "
    "signatures come, space-separated, and one valid is enough.",
}


def component_name(event_type: str) -> str:
    words = event_type.replace(".", "_").split("_")
    return "".join(word.capitalize() for word in words) + "Event"


def add_webhooks(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    """drf-spectacular postprocessing hook."""
    components = result.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SIGNATURE_SCHEME] = SIGNATURE_SECURITY
    schemas = components.setdefault("schemas", {})
    webhooks = result.setdefault("webhooks", {})
    for event_type in catalogue.data_schemas():
        description = catalogue.description(event_type)
        name = component_name(event_type)
        body = catalogue.payload_schema(event_type)
        body.pop("$schema")
        schemas[name] = body
        webhooks[event_type] = {
            "post": {
                "summary": description,
                "description": "Signed the Standard Webhooks way: verify with "
                "`Webhook(secret).verify(body, headers)` before trusting it.",
                "operationId": f"webhook_{event_type.replace('.', '_')}",
                "security": [{SIGNATURE_SCHEME: []}],
                "parameters": [
                    {
                        "name": header,
                        "in": "header",
                        "required": True,
                        "description": meaning,
                        "schema": {"type": "string"},
                    }
                    for header, meaning in SIGNATURE_HEADERS.items()
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                    },
                },
                "responses": {
                    "2XX": {
                        "description": "Received. Any other answer is retried (410: "
                        "the endpoint is disabled)."
                    }
                },
            }
        }
    return result
