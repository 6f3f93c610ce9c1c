from django.core.exceptions import ValidationError


class EmptyResponseError(ValidationError):
    """``add_response()`` was given nothing to say; a ValidationError so forms show it
    against the field."""

    def __init__(self) -> None:
        super().__init__({"response": "A response cannot be empty."}, code="empty_response")


class NeedsModeration(Exception):
    """A change only a moderator may make (``editing.check``)."""
