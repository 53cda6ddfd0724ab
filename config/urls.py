import os

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from approvals.panels import version_signatures, wizard_threads
from config import ids
from guidelines import urls as guideline_urls
from guidelines import views as guideline_views
from integrations.api import api as api_v1
from publishing.panels import publication_panel

from . import views

handler400 = "config.errors.bad_request"
handler403 = "config.errors.forbidden"
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"

# What a version's page shows besides its text, in order: the sign-off, then the publication.
VERSION_PANELS = (version_signatures, publication_panel)

ids.register()  # before any route below names <id:…>

guideline_patterns = [
    *guideline_urls.urlpatterns,
    path(
        "<id:pk>/draft/review/",
        guideline_views.checklist,
        {"threads": wizard_threads},
        name="checklist",
    ),
    # After the more specific draft pages, so "review", "quiz" and "preview" stay theirs.
    path(
        "<id:pk>/draft/<slug:key>/",
        guideline_views.step,
        {"threads": wizard_threads},
        name="step",
    ),
    path(
        "<id:pk>/versions/<id:number>/",
        guideline_views.version,
        {"panels": VERSION_PANELS},
        name="version",
    ),
]

urlpatterns = [
    path("", views.root, name="root"),
    path("home/", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("accounts/", include("accounts.urls")),
    path("scim/v2/", include("accounts.scim_urls")),
    path("guidelines/", include((guideline_patterns, guideline_urls.app_name))),
    path("reviews/", include("approvals.urls")),
    path("", include("publishing.urls")),
    path("audit/", include("audit.urls")),
    path("search/", include("search.urls")),
    path("check-my-post/", include("postcheck.urls")),
    path("sso/", include("sso.urls")),
    path("api/v1/", api_v1.urls),
    path("integrations/", include("integrations.urls")),
    path("django-admin/", admin.site.urls),
]

if os.environ.get("CHARTER_BENCH") == "1":  # reference views for the benchmark only
    urlpatterns.append(path("bench/", include("bench.urls")))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
