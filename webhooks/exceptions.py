from django.core.exceptions import ImproperlyConfigured


class SecretDecryptionError(ImproperlyConfigured):
    """A stored secret cannot be decrypted with WEBHOOKS_ENCRYPTION_KEYS. An
    ImproperlyConfigured because the fix is the configuration, never the data."""


class InvalidDuration(ValueError):
    """A duration setting or argument such as ``5m`` could not be read."""
