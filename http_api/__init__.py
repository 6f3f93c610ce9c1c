"""The shared HTTP API platform: keys and scopes, authentication, throttling, errors as
problem documents, idempotency keys, the OpenAPI document. It names no domain."""

import django_stubs_ext

# Its classes subscript Django's generic ones for the type checker; this makes that valid
# at run time in any project (webhooks' wheel carries this package).
django_stubs_ext.monkeypatch()
