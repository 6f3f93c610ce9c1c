"""What an endpoint's configuration must satisfy before it is saved: its URL (with the
SSRF rules of ``ssrf``), its event types and its custom headers (``headers``)."""
