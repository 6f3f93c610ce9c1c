"""The event types as the tests read them: from the registry, once the apps are loaded
(pytest-django sets Django up before it collects test modules)."""

from __future__ import annotations

from django.dispatch import Signal

from webhooks.event_types import registry

EVENT_TYPES: tuple[str, ...] = registry.names()
# What an endpoint naming no types receives.
ALL_EVENTS_TYPES: tuple[str, ...] = registry.all_events()
TESTIMONIAL_SIGNALS: dict[str, Signal] = {
    t.name: t.signal
    for t in registry.domain_types()
    if t.signal is not None and t.name.startswith("testimonial.")
}
