"""Domain errors as HTTP answers, never a 500: a model's ``full_clean()`` refusal is a 400
with its field messages (the answers' shape: ``problems``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from rest_framework import exceptions, status


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource is not in a state that allows this."
    default_code = "conflict"


class NeedsScope(exceptions.PermissionDenied):
    """A 403 that names the scope this particular change needs."""

    def __init__(self, scope: str, reason: str) -> None:
        super().__init__(f"{reason} This needs the scope {scope!r}.")


def as_drf(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(error.message_dict)
    return exceptions.ValidationError({"non_field_errors": error.messages})


def clean_and_save(instance: Model, **save_kwargs: Any) -> None:
    """Saves after the model's own ``full_clean()``, whose refusal becomes a 400: the API
    refuses exactly what the admin refuses."""
    try:
        instance.full_clean()
    except DjangoValidationError as error:
        raise as_drf(error) from None
    instance.save(**save_kwargs)
