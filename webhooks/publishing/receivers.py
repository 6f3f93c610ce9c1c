"""One receiver per declared event type's signal: each records a webhook event (see
outbox), with the data its declaration builds from what the signal sent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from webhooks.event_types import registry
from webhooks.event_types.declaring import EventType
from webhooks.publishing import muting, outbox

Receiver = Callable[..., None]


def event_data(event_type: EventType, signal_arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The event's data: the declaration's builder, given the object the signal carries
    (its ``argument``) and the signal's other arguments."""
    if event_type.data is None:
        raise TypeError(f"{event_type.name} is not sent for a signal")
    carried = signal_arguments.get(event_type.argument)
    others = {k: v for k, v in signal_arguments.items() if k not in (event_type.argument, "signal")}
    return event_type.data(carried, others)


def receiver_for(event_type: EventType) -> Receiver:
    def receive(sender: type[Any], **kwargs: Any) -> None:
        if muting.swallowed(event_type.name):
            return
        outbox.publish(event_type.name, lambda: event_data(event_type, kwargs))

    receive.__name__ = receive.__qualname__ = f"publish_{event_type.name.replace('.', '_')}"
    return receive


def _connect(event_type: EventType) -> None:
    if event_type.signal is not None:
        event_type.signal.connect(
            receiver_for(event_type), weak=False, dispatch_uid=f"webhooks:{event_type.name}"
        )


def connect() -> None:
    """Every declared event type's signal, now and as more are declared."""
    registry.when_declared(_connect)
