"""The event types this service sends: its own (``builtin``) and those the installed
domains declare with ``webhooks.register``, usually in a ``webhook_events`` module of
theirs, which webhooks imports when apps load (as the admin does with ``admin.py``).

Read through the functions here, never at import time: a module imported before the
domains have declared theirs would keep an empty list. Reading before apps are loaded
raises ``AppRegistryNotReady`` rather than answer without the domains.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.choices import BaseChoiceIterator
from django.utils.module_loading import autodiscover_modules

from webhooks.event_types.builtin import BY_NAME, OPERATIONAL, TEST
from webhooks.event_types.declaring import EventType

# The module name a domain's declarations live in, in each installed app.
DECLARATIONS_MODULE = "webhook_events"

OPERATIONAL_EVENTS: tuple[str, ...] = tuple(t.name for t in OPERATIONAL)
_BUILTIN = BY_NAME

_lock = threading.Lock()
_declared: dict[str, EventType] = {}
# Every type, replaced whole on each declaration: read on every event, without a lock.
_known: dict[str, EventType] = dict(_BUILTIN)
_discovered = False
_listeners: list[Callable[[EventType], None]] = []


def register(*event_types: EventType) -> None:
    """Declares a domain's event types. Declaring the same one twice is harmless; two
    different declarations of one name are a mistake, said at start."""
    global _known
    for event_type in event_types:
        if event_type.operational or event_type.name in _BUILTIN:
            raise ImproperlyConfigured(f"{event_type.name!r} is an event type of webhooks' own")
        with _lock:
            known = _declared.get(event_type.name)
            if known is not None and known != event_type:
                raise ImproperlyConfigured(f"event type {event_type.name!r} is declared twice")
            _declared[event_type.name] = event_type
            _known = {**_declared, **_BUILTIN}
            listeners = list(_listeners)
        if known is None:
            for listener in listeners:
                listener(event_type)


def when_declared(listener: Callable[[EventType], None]) -> None:
    """Calls ``listener`` with each domain event type declared so far, and with each
    declared from now on (the receivers connect to their signals so)."""
    with _lock:
        _listeners.append(listener)
        known = list(_declared.values())
    for event_type in known:
        listener(event_type)


def discover() -> None:
    """Imports every installed app's ``webhook_events`` module (``WebhooksConfig.ready``)."""
    global _discovered
    if _discovered:
        return
    autodiscover_modules(DECLARATIONS_MODULE)
    _discovered = True


def _loaded() -> dict[str, EventType]:
    if not _discovered:
        apps.check_models_ready()
        discover()
    return _known


def builtin_names() -> tuple[str, ...]:
    """webhooks' own event types: known before any domain declares its own."""
    return tuple(_BUILTIN)


def get(name: str) -> EventType | None:
    return _loaded().get(name)


def all_types() -> list[EventType]:
    """Every event type: the domains', then the test event and the operational ones."""
    loaded = _loaded()
    return [*(t for t in loaded.values() if t.name not in _BUILTIN), TEST, *OPERATIONAL]


def domain_types() -> list[EventType]:
    """The event types the domains declared, in the order they did."""
    return [t for t in _loaded().values() if t.name not in _BUILTIN]


def names() -> tuple[str, ...]:
    return tuple(t.name for t in all_types())


def choices() -> list[tuple[str, str]]:
    """For forms, filters and serializers (callable choices: read when used)."""
    return [(name, name) for name in names()]


class Choices(BaseChoiceIterator):
    """``choices()``, read each time it is iterated: for a choice field declared at import
    time that tools read as a list (django-filter's, which drf-spectacular documents)."""

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(choices())


CHOICES = Choices()


def all_events() -> tuple[str, ...]:
    """What an endpoint that names no event types receives: every type but the
    operational ones."""
    return tuple(t.name for t in all_types() if not t.operational)


def subscribed(chosen: list[str], event_type: str) -> bool:
    """Whether an endpoint with these ``event_types`` receives ``event_type``."""
    return event_type in chosen or (not chosen and event_type not in OPERATIONAL_EVENTS)


def read_scopes() -> set[str]:
    """The scopes a key needs, besides webhooks:read, to read every payload."""
    return {t.read_scope for t in domain_types() if t.read_scope}
