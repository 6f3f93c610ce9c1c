"""``/portal/``: the subscriber portal (SPEC §11)."""

from __future__ import annotations

from django.urls import path

from webhooks.portal.views import actions, catalogue, deliveries, endpoints, entry

app_name = "portal"

urlpatterns = [
    path("", endpoints.home, name="home"),
    path("enter/", entry.open_offered, name="open"),
    path("enter/<str:token>/", entry.enter, name="enter"),
    path("leave/", entry.leave, name="leave"),
    path("events/", catalogue.events, name="events"),
    path("endpoints/new/", endpoints.new, name="new"),
    path("endpoints/<int:endpoint_id>/", endpoints.edit, name="endpoint"),
    path("endpoints/<int:endpoint_id>/delete/", endpoints.remove, name="delete"),
    path("endpoints/<int:endpoint_id>/preview/", endpoints.preview_page, name="preview"),
    path("endpoints/<int:endpoint_id>/rotate-secret/", actions.rotate, name="rotate"),
    path("endpoints/<int:endpoint_id>/reveal-secret/", actions.reveal, name="reveal"),
    path("endpoints/<int:endpoint_id>/send-test/", actions.send_test, name="send_test"),
    path("endpoints/<int:endpoint_id>/enable/", actions.enable, name="enable"),
    path("endpoints/<int:endpoint_id>/deliveries/", deliveries.listing, name="deliveries"),
    path(
        "endpoints/<int:endpoint_id>/replay-failed/",
        deliveries.replay_failed,
        name="replay_failed",
    ),
    path("deliveries/<int:delivery_id>/", deliveries.detail, name="delivery"),
    path("deliveries/<int:delivery_id>/replay/", deliveries.replay_one, name="replay"),
]
