"""The portal's pages, one module per part: entering, endpoints, their secrets and
actions, deliveries, the event catalogue."""
