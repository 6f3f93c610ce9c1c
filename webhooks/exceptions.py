from django.core.exceptions import ImproperlyConfigured


class SecretDecryptionError(ImproperlyConfigured):
    """A stored secret cannot be decrypted with WEBHOOKS_ENCRYPTION_KEYS. An
    ImproperlyConfigured because the fix is the configuration, never the data."""


class InvalidDuration(ValueError):
    """A duration setting or argument such as ``5m`` could not be read."""


class InvalidMoment(ValueError):
    """A point in time such as ``2026-11-24T10:00Z`` or ``2h`` (ago) could not be read."""


class EndpointDisabled(Exception):
    """Work was asked of an endpoint that is switched off. The message names it and says
    why it is off, so an operator knows what to enable."""

    def __init__(self, endpoint_id: int, name: str, reason: str) -> None:
        self.endpoint_id = endpoint_id
        why = f" ({reason.rstrip('.')})" if reason else ""
        super().__init__(f"endpoint #{endpoint_id} {name!r} is disabled{why}; enable it first")
