"""The testimonials' event types, declared to ``webhooks`` (SPEC §14): what each signal
becomes as an event, its JSON Schema, its chat message, its CloudEvents subject, its admin
link and sample. The glue between the two apps: ``testimonials`` never imports
``webhooks`` and ``webhooks`` names no domain, so what joins them lives here, as a team
adding webhooks to its own Django project would write it (docs/reuse.md)."""
