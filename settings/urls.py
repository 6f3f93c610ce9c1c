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
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]
