"""``GET /metrics``, answered before host validation and the SSL redirect: Prometheus
scrapes by address, inside the network. The access rule is ``exposition.access``."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse

from webhooks.metrics import exposition

METRICS_PATH = "/metrics"


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != METRICS_PATH:
            return self.get_response(request)
        allowed = exposition.access(request.headers.get("Authorization"))
        if allowed == exposition.NOT_FOUND:
            # As if there were no such page: production without a token.
            return self.get_response(request)
        if allowed == exposition.UNAUTHORIZED:
            response = HttpResponse(
                "A bearer token is needed: Authorization: Bearer <METRICS_TOKEN>\n",
                status=HTTPStatus.UNAUTHORIZED,
                content_type="text/plain; charset=utf-8",
            )
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=HTTPStatus.METHOD_NOT_ALLOWED, headers={"Allow": "GET"})
        body = exposition.scrape(exposition.web_registry())
        response = HttpResponse(body, content_type=exposition.CONTENT_TYPE)
        response["Cache-Control"] = "no-store"
        return response
