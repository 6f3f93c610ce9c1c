"""How the OpenAPI document describes every operation: operation ids that read as
actions, the summary and description from the view's docstring, and the error answers
each operation can give, all with the one ``Problem`` schema (``problems``)."""

from __future__ import annotations

import inspect
from http import HTTPStatus
from typing import Any

from drf_spectacular.utils import Direction, OpenApiParameter
from drf_standardized_errors.openapi import AutoSchema as ErrorsAutoSchema
from rest_framework import serializers

from http_api import problems
from http_api.idempotency import keys
from http_api.idempotency.views import IdempotentPostMixin

# The actions every viewset has; any other (approve, rotate-secret…) is named by itself.
STANDARD_ACTIONS = {"list", "create", "retrieve", "update", "partial_update", "destroy"}


class ProblemFieldErrorSerializer(serializers.Serializer[Any]):
    pointer = serializers.CharField(
        required=False, help_text="JSON Pointer (RFC 6901) to the refused part of the body."
    )
    field = serializers.CharField(required=False, help_text="The refused query parameter.")
    code = serializers.CharField(help_text="Machine-readable, e.g. `required`, `max_value`.")
    detail = serializers.CharField()


class ProblemSerializer(serializers.Serializer[Any]):
    """RFC 9457 problem details: every error of the API has this shape."""

    type = serializers.CharField(
        help_text="The problem type, a URI reference; `GET` it for what it means."
    )
    title = serializers.CharField(help_text="The same for every problem of this type.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong this time.")
    errors = ProblemFieldErrorSerializer(  # type: ignore[assignment]
        many=True, required=False, help_text="Invalid input: one entry per message."
    )

    class Meta:
        ref_name = "Problem"


def problem_responses(*status_codes: int) -> dict[int, type[ProblemSerializer]]:
    """Error answers an operation adds to those every operation documents, for
    ``extend_schema(responses=…)``: a 409 where the resource's state can refuse it."""
    return {code: ProblemSerializer for code in status_codes}


IDEMPOTENCY_KEY = OpenApiParameter(
    name=keys.HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    pattern=r"^[!-~]{1,255}$",
    description="Makes a retry safe: the same key and body within 24 hours answers the "
    "first answer again and does nothing twice (1 to 255 visible ASCII characters; a "
    "UUID is a good one). Another body with the same key: 422; while the first is "
    "still running: 409.",
)
REPLAYED = {
    keys.REPLAYED: {
        "schema": {"type": "string", "enum": ["true"]},
        "description": "Present on an answer replayed for an Idempotency-Key.",
    }
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds until this key (or client address) may send again.",
    }
}


# Summaries of the operations every viewset has, by the resource's verbose names.
STANDARD_SUMMARIES = {
    "list": "List {plural}",
    "create": "Create a {singular}",
    "retrieve": "Read a {singular}",
    "partial_update": "Change a {singular}",
    "destroy": "Delete a {singular}",
}


class AutoSchema(ErrorsAutoSchema):
    """Operation ids read as actions (``testimonials_approve``, not
    ``testimonials_approve_create``); the summary is the first paragraph of the handler's
    docstring (for the standard actions, made from the model's names) and the description
    the rest, followed by the scope the operation needs, read from the view's
    ``required_scopes`` as the permission check reads it."""

    def get_operation_id(self) -> str:
        operation_id = str(super().get_operation_id())
        if self._action() not in STANDARD_ACTIONS and self.method == "POST":
            operation_id = operation_id.removesuffix("_create")
        return operation_id

    def get_summary(self) -> str:
        summary, _ = self._docstring()
        if summary:
            return summary
        template = STANDARD_SUMMARIES.get(self._action())
        model = self._model()
        if template and model is not None:
            meta = model._meta
            return template.format(singular=meta.verbose_name, plural=meta.verbose_name_plural)
        return self._action().replace("_", " ").capitalize()

    def get_description(self) -> str:  # type: ignore[override]
        _, rest = self._docstring()
        scopes: dict[str, str] = getattr(self.view, "required_scopes", {})
        scope = scopes.get(self._action()) or scopes.get(self.method)
        needs = f"Needs the scope `{scope}`." if scope else ""
        return "\n\n".join(part for part in (rest, needs) if part)

    def _model(self) -> Any:
        queryset = getattr(self.view, "queryset", None)
        if queryset is None and hasattr(self.view, "get_queryset"):
            queryset = self.view.get_queryset()
        return getattr(queryset, "model", None)

    def _action(self) -> str:
        return str(getattr(self.view, "action", None) or self.method.lower())

    def _docstring(self) -> tuple[str, str]:
        """The handler method's own docstring, split at its first blank line."""
        handler = getattr(type(self.view), self._action(), None)
        text = inspect.getdoc(handler) if handler is not None else None
        if not text:
            return "", ""
        summary, _, rest = text.partition("\n\n")
        return " ".join(summary.split()), rest.strip()

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._idempotent():
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def _get_response_bodies(self, direction: Direction = "response") -> Any:
        responses = super()._get_response_bodies(direction=direction)
        if direction == "response" and self._idempotent():
            for code in ("409", "422"):
                responses.setdefault(code, self._get_response_for_code(ProblemSerializer, code))
            for code, response in responses.items():
                if code.startswith("2"):
                    response.setdefault("headers", {}).update(REPLAYED)
        return responses

    def _idempotent(self) -> bool:
        return self.method == "POST" and isinstance(self.view, IdempotentPostMixin)

    def _get_error_response_serializer(self, status_code: str) -> Any:
        return ProblemSerializer

    def _get_error_response_examples(self) -> list[Any]:
        return []

    def _get_response_for_code(
        self, serializer: Any, status_code: Any, *args: Any, **kwargs: Any
    ) -> Any:
        response = super()._get_response_for_code(  # type: ignore[no-untyped-call]
            serializer, status_code, *args, **kwargs
        )
        if serializer is ProblemSerializer:
            (schema,) = response["content"].values()
            response["content"] = {problems.MEDIA_TYPE: schema}
            response["description"] = HTTPStatus(int(status_code)).phrase
        if str(status_code) == "429":
            response.setdefault("headers", {}).update(RETRY_AFTER)
        return response
