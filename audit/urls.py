from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.events, name="events"),
    path("export.csv", views.export, name="export"),
    path("in-force/", views.in_force, name="in_force"),
    path("evidence/<int:publication_id>/", views.evidence_pack, name="evidence_pack"),
]
