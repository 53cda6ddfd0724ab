import os

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

handler400 = "config.errors.bad_request"
handler403 = "config.errors.forbidden"
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"

urlpatterns = [
    path("", views.root, name="root"),
    path("home/", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("guidelines/", include("guidelines.urls")),
    path("reviews/", include("approvals.urls")),
    path("", include("publishing.urls")),
    path("audit/", include("audit.urls")),
    path("django-admin/", admin.site.urls),
]

if os.environ.get("CHARTER_BENCH") == "1":  # reference views for the benchmark only
    urlpatterns.append(path("bench/", include("bench.urls")))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
