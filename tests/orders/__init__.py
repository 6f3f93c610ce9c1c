"""A second domain, for tests only: orders, with two signals, declared to ``webhooks``
the way a team adding webhooks to its own project would (docs/reuse.md), with no change
in ``webhooks/``. ``tests/orders/settings.py`` installs it beside the product's apps;
``tests/end_to_end/test_second_domain.py`` runs the service on it."""
