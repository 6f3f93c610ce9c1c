from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from webhooks.api.endpoints import EndpointViewSet
from webhooks.api.log import DeliveryViewSet, EventViewSet
from webhooks.api.subscribers import SubscriberViewSet
from webhooks.api.views import EventTypesView, StatusView

router = SimpleRouter()
router.register("endpoints", EndpointViewSet, basename="endpoint")
router.register("events", EventViewSet, basename="event")
router.register("deliveries", DeliveryViewSet, basename="delivery")
router.register("subscribers", SubscriberViewSet, basename="subscriber")

urlpatterns = [
    path("event-types/", EventTypesView.as_view(), name="event-types"),
    path("status/", StatusView.as_view(), name="status"),
    *router.urls,
]
