from __future__ import annotations

from rest_framework.routers import SimpleRouter

from testimonials.api.views import CategoryViewSet, TestimonialViewSet

router = SimpleRouter()
router.register("testimonials", TestimonialViewSet, basename="testimonial")
router.register("categories", CategoryViewSet, basename="category")

urlpatterns = router.urls
