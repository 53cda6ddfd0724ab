from django.urls import path

from config import ids

from . import views

ids.register()  # before any route below names <id:…>

app_name = "publishing"

urlpatterns = [
    path("g/<slug:org_slug>/<slug:guideline_slug>/", views.guideline, name="guideline"),
    path("g/<slug:org_slug>/<slug:guideline_slug>/archive/", views.archive, name="archive"),
    path("g/<slug:org_slug>/<slug:guideline_slug>/v<id:number>/", views.version, name="version"),
    path(
        "g/<slug:org_slug>/<slug:guideline_slug>/v<id:number>/changes/",
        views.changes,
        name="changes",
    ),
    path("g/<slug:org_slug>/<slug:guideline_slug>/v<id:number>/pdf/", views.pdf, name="pdf"),
    path(
        "g/<slug:org_slug>/<slug:guideline_slug>/v<id:number>/pdf/status/",
        views.pdf_status,
        name="pdf_status",
    ),
    path(
        "g/<slug:org_slug>/<slug:guideline_slug>/v<id:number>/card/",
        views.card_page,
        name="card",
    ),
    path(
        "g/<slug:org_slug>/<slug:guideline_slug>/v<id:number>/cases/",
        views.cases,
        name="cases",
    ),
    path(
        "g/<slug:org_slug>/<slug:guideline_slug>/v<id:number>/card/pdf/",
        views.card_pdf,
        name="card_pdf",
    ),
    path("official-accounts/<slug:org_slug>/", views.official_accounts, name="official_accounts"),
    path(
        "official-accounts/<slug:org_slug>/poster/",
        views.official_accounts_poster,
        name="official_accounts_poster",
    ),
    path("acknowledge/<id:version_id>/", views.acknowledge, name="acknowledge"),
    path("my-guidelines/", views.my_acknowledgements, name="my_acknowledgements"),
    path("publish/<id:version_id>/", views.publish, name="publish"),
    path("guidelines/<id:pk>/retire/", views.retire, name="retire"),
    path("tracking/", views.campaigns, name="campaigns"),
    path("tracking/settings/", views.attestation_settings, name="attestation_settings"),
    path("tracking/<id:pk>/", views.tracking, name="tracking"),
    path("tracking/<id:pk>/export.csv", views.tracking_export, name="tracking_export"),
    path("tracking/<id:pk>/remind/", views.remind, name="remind"),
    path("tracking/<id:pk>/schedule/", views.schedule, name="schedule"),
    # Beside the audit trail for those who use it, but about publications.
    path("audit/in-force/", views.in_force_on, name="in_force_on"),
    path("audit/evidence/<id:publication_id>/", views.evidence_pack, name="evidence_pack"),
]
