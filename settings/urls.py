from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Testimonials & webhooks"
admin.site.site_title = "Testimonials admin"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", include("http_api.urls")),
    path("portal/", include("webhooks.portal.urls")),
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]

# Under /api/ a path no view serves, or an error outside a view, is a problem document
# like every other API error; elsewhere Django's pages.
handler404 = "http_api.problems.not_found"
handler500 = "http_api.problems.server_error"
