"""The API's problem types (RFC 9457): each has a URI that answers what it means, and each
exception the API raises maps to one."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework import exceptions


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
            "invalid-idempotency-key",
            "The Idempotency-Key header is invalid",
            "A key is 1 to 255 visible ASCII characters; a UUID is a good one.",
        ),
        ProblemType(
            "idempotency-key-in-use",
            "A request with this Idempotency-Key is still running",
            "Wait for it, then send the request again: you will get its answer.",
        ),
        ProblemType(
            "idempotency-key-reused",
            "This Idempotency-Key belongs to another request",
            "It was sent within 24 hours with another path or body. A key names one "
            "request: make a new key for a new request.",
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
    "invalid_idempotency_key": "invalid-idempotency-key",
    "idempotency_key_in_use": "idempotency-key-in-use",
    "idempotency_key_reused": "idempotency-key-reused",
}


def problem_type(exc: exceptions.APIException) -> ProblemType:
    name = BY_CODE.get(str(exc.default_code))
    if name is None:
        name = "server-error" if exc.status_code >= 500 else "validation-error"
    return TYPES[name]
