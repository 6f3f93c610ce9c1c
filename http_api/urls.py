"""``/api/``: the versioned resources, their OpenAPI document and its docs page."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from http_api import problems, routes

# Read when Django first resolves a URL, after every app's ready() has registered.
urlpatterns = [
    *(path("v1/", include(urlconf)) for urlconf in routes.URLCONFS),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("problems/<slug:name>/", problems.type_page, name="api-problem-type"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
