"""One receiver per testimonial signal: each records a webhook event (see outbox)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from testimonials.models import Testimonial, TestimonialMedia
from webhooks.event_types.registry import REGISTRY, TESTIMONIAL_SIGNALS
from webhooks.publishing import muting, outbox, payloads

Receiver = Callable[..., None]


def event_data(event_type: str, instance: Any, signal_kwargs: dict[str, Any]) -> dict[str, Any]:
    if isinstance(instance, TestimonialMedia):
        return {
            "testimonial": payloads.testimonial_data(instance.testimonial),
            "media": payloads.media_data(instance),
        }
    if not isinstance(instance, Testimonial):
        raise TypeError(f"{event_type} is sent for a testimonial, not {instance!r}")
    data: dict[str, Any] = {"testimonial": payloads.testimonial_data(instance)}
    argument = REGISTRY[event_type].signal_argument
    if argument:
        data[argument] = signal_kwargs.get(argument) or ""
    return data


def receiver_for(event_type: str) -> Receiver:
    def receive(sender: type[Any], instance: Any, **kwargs: Any) -> None:
        if muting.swallowed(event_type):
            return
        outbox.publish(event_type, lambda: event_data(event_type, instance, kwargs))

    receive.__name__ = receive.__qualname__ = f"publish_{event_type.replace('.', '_')}"
    return receive


def connect() -> None:
    for event_type, signal in TESTIMONIAL_SIGNALS.items():
        signal.connect(receiver_for(event_type), weak=False, dispatch_uid=f"webhooks:{event_type}")
