"""Every error of ``/api/`` as RFC 9457 problem details (``application/problem+json``):
``type``, ``title``, ``status``, ``detail``, and for invalid input ``errors``, one entry per
message with a JSON Pointer into the body (``pointer``) or the name of the query
parameter (``field``), its ``code`` and its ``detail``.

drf-standardized-errors catches every exception of a DRF view and flattens nested
validation errors; this module only says what the answer looks like. Each problem type is
a page of its own (``/api/problems/<name>/``) so that ``type`` can be looked up."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_standardized_errors.formatter import ExceptionFormatter, flatten_errors
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings

from http_api.errors import as_drf
from http_api.problem_types import TYPES, ProblemType, problem_type

MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api/"
# Joins nested field names while drf-standardized-errors flattens them; no field name or
# list index holds it, so the pointer's segments come back exactly.
SEPARATOR = "\x1f"


def document(problem: ProblemType, status: int, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": problem.uri,
        "title": problem.title,
        "status": status,
        "detail": detail,
        **extra,
    }


def pointer(path: str) -> str:
    """``a<SEP>0<SEP>b`` as the JSON Pointer ``/a/0/b`` (RFC 6901 escapes)."""
    segments = path.split(SEPARATOR)
    return "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in segments)


class ProblemFormatter(ExceptionFormatter):
    def run(self) -> dict[str, Any]:
        problem = problem_type(self.exc)
        if not isinstance(self.exc, exceptions.ValidationError):
            given = self.exc.detail
            text = str(given) if not isinstance(given, list | dict) else problem.title
            return document(problem, self.exc.status_code, text)
        errors = [self._entry(e.code, e.detail, e.attr) for e in flatten_errors(self.exc.detail)]
        fields = {e.get("pointer", e.get("field")) for e in errors} - {None}
        summary = (
            f"{len(fields)} field{'s' if len(fields) != 1 else ''} refused."
            if fields
            else (errors[0]["detail"] if errors else problem.title)
        )
        return document(problem, self.exc.status_code, summary, errors=errors)

    def _entry(self, code: str, detail: str, attr: str | None) -> dict[str, str]:
        entry = {"code": code, "detail": detail}
        if attr is None or attr == api_settings.NON_FIELD_ERRORS_KEY:
            return entry
        request = self.context.get("request")
        if request is not None and request.method in ("GET", "HEAD"):
            # A read's input is its query string: the parameter, by name.
            return {"field": attr.replace(SEPARATOR, "."), **entry}
        return {"pointer": pointer(attr), **entry}


class ProblemHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DjangoValidationError):
            return as_drf(exc)
        if isinstance(exc, DjangoPermissionDenied) and exc.args:
            # A domain's refusal says why (DRF's own conversion drops the message).
            return exceptions.PermissionDenied(str(exc))
        return super().convert_known_exceptions(exc)

    def get_response(self, exc: exceptions.APIException, data: dict[str, Any]) -> Response:
        return Response(
            data, status=exc.status_code, headers=self.get_headers(exc), content_type=MEDIA_TYPE
        )


def _plain(problem: ProblemType, status: int, detail: str) -> JsonResponse:
    return JsonResponse(document(problem, status, detail), status=status, content_type=MEDIA_TYPE)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 handler: a path under /api/ that no view serves is a problem too."""
    if not request.path.startswith(API_PREFIX):
        return defaults.page_not_found(request, exception)
    return _plain(TYPES["not-found"], 404, "No resource at this path.")


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler, for errors outside a DRF view (a middleware): nothing about
    the error reaches the client."""
    if not request.path.startswith(API_PREFIX):
        return defaults.server_error(request)
    return _plain(TYPES["server-error"], 500, "Server Error (500)")


def type_page(request: HttpRequest, name: str) -> HttpResponse:
    """What ``type`` points at: the problem type's title and what to do about it."""
    problem = TYPES.get(name)
    if problem is None:
        raise Http404
    return JsonResponse(
        {"type": problem.uri, "title": problem.title, "description": problem.description}
    )
