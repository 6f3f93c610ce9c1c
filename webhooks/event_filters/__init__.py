"""Endpoint filters (SPEC §7): a JSON condition on an event's ``data``, checked when the
event is recorded, so an endpoint whose filter says no gets no delivery.

``{"order": {"total": {"$gte": 100}, "customer": {"country": {"$in": ["FR", "DE"]}}}}``:
nested objects address nested fields, a plain value means ``$eq``, several conditions
side by side must all hold. ``$and`` / ``$or`` take a list of filters, ``$not`` one.

A field that is missing (or null, or of another type) never equals, never compares and
never starts with anything; ``$neq`` and ``$nin`` hold for it, and ``$exists: true``
means "present and not null".
"""

from __future__ import annotations

from webhooks.event_filters.checking import check
from webhooks.event_filters.grammar import FilterError
from webhooks.event_filters.matching import matches, passes

__all__ = ["FilterError", "check", "matches", "passes"]
