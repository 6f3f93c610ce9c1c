"""Fields that name event types take their choices from the types declared when the
serializer is made (``webhooks.register``), not when its module was imported: a domain
may declare its types after the API's modules load."""

from __future__ import annotations

from typing import Any, cast

from rest_framework import serializers

from webhooks.event_types import registry


# Mixed into a serializer whose ``event_type_fields`` are a ``ChoiceField`` or a
# ``ListField`` of them (DRF: "dynamically modifying fields"). No docstring: the OpenAPI
# document would take it for each serializer's description.
class EventTypeChoices:
    event_type_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields  # type: ignore[attr-defined]
        for name in self.event_type_fields:
            field = fields[name]
            target = field.child if isinstance(field, serializers.ListField) else field
            cast(serializers.ChoiceField, target).choices = registry.choices()


def event_type_field(**kwargs: Any) -> serializers.ChoiceField:
    """A field naming one event type; ``EventTypeChoices`` fills its choices in."""
    return serializers.ChoiceField(choices=(), **kwargs)
