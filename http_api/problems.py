"""Every error of ``/api/`` as RFC 9457 problem details (``application/problem+json``):
``type``, ``title``, ``status``, ``detail``, and for invalid input ``errors``, one entry per
message with a JSON Pointer into the body (``pointer``) or the name of the query
parameter (``field``), its ``code`` and its ``detail``.

drf-standardized-errors catches every exception of a DRF view and flattens nested
validation errors; this module only says what the answer looks like. Each problem type is
a page of its own (``/api/problems/<name>/``) so that ``type`` can be looked up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_standardized_errors.formatter import ExceptionFormatter, flatten_errors
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings

from http_api.errors import as_drf

MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api/"
# Joins nested field names while drf-standardized-errors flattens them; no field name or
# list index holds it, so the pointer's segments come back exactly.
SEPARATOR = "\x1f"


@dataclass(frozen=True)
class ProblemType:
    name: str
    title: str
    description: str

    @property
    def uri(self) -> str:
        return f"/api/problems/{self.name}/"


TYPES = {
    problem.name: problem
    for problem in (
        ProblemType(
            "validation-error",
            "The request is invalid",
            "One or more fields or "
            "parameters were refused; `errors` lists each with its code and message.",
        ),
        ProblemType(
            "parse-error",
            "The request body cannot be read",
            "It is not valid JSON "
            "(or multipart, where a file is uploaded), or it is nested too deeply.",
        ),
        ProblemType(
            "not-authenticated",
            "No valid API key",
            "Send `Authorization: Bearer <key>` with a key that exists and is not revoked.",
        ),
        ProblemType(
            "permission-denied",
            "The key may not do this",
            "The key lacks the "
            "scope this operation needs (`detail` names it), or its maker lost the "
            "permission behind it.",
        ),
        ProblemType(
            "not-found", "No such resource", "Nothing with this id, or nothing this key may see."
        ),
        ProblemType(
            "method-not-allowed", "Method not allowed", "This path does not take this HTTP method."
        ),
        ProblemType(
            "not-acceptable",
            "Cannot answer in an accepted type",
            "Answers are JSON; ask for `application/json`.",
        ),
        ProblemType(
            "conflict",
            "The resource is not in a state that allows this",
            "For example replaying a delivery that is still pending.",
        ),
        ProblemType(
            "too-large",
            "The request body is too large",
            "`detail` says the limit of this operation.",
        ),
        ProblemType(
            "unsupported-media-type",
            "Unsupported request body type",
            "Send `application/json` (`multipart/form-data` for the media upload only).",
        ),
        ProblemType(
            "throttled",
            "Too many requests",
            "This key (or, without a key, this "
            "client address) went over its rate: come back after `Retry-After` "
            "seconds.",
        ),
        ProblemType(
            "server-error",
            "The service failed",
            "Nothing was changed; try again later, and tell the operator if it lasts.",
        ),
    )
}

# DRF's exception codes, and ours, by problem type.
BY_CODE = {
    "invalid": "validation-error",
    "parse_error": "parse-error",
    "authentication_failed": "not-authenticated",
    "not_authenticated": "not-authenticated",
    "permission_denied": "permission-denied",
    "not_found": "not-found",
    "method_not_allowed": "method-not-allowed",
    "not_acceptable": "not-acceptable",
    "conflict": "conflict",
    "too_large": "too-large",
    "unsupported_media_type": "unsupported-media-type",
    "throttled": "throttled",
}


def problem_type(exc: exceptions.APIException) -> ProblemType:
    name = BY_CODE.get(str(exc.default_code))
    if name is None:
        name = "server-error" if exc.status_code >= 500 else "validation-error"
    return TYPES[name]


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
