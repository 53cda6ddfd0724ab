from django.urls import path

from config import ids

from . import views

ids.register()  # before any route below names <id:…>

app_name = "guidelines"

# The version page ("version", <id:pk>/versions/<id:number>/), the wizard step ("step",
# <id:pk>/draft/<slug:key>/) and the draft's checklist ("checklist", <id:pk>/draft/review/)
# are wired in config/urls.py, which hands them what approvals and
# publishing draw there (signatures, publication, comment threads).

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.create, name="create"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/rename/", views.rename, name="rename"),
    path("<id:pk>/draft/new/", views.new_draft, name="new_draft"),
    path("<id:pk>/draft/discard/", views.discard_draft, name="discard_draft"),
    path("<id:pk>/draft/preview/", views.preview, name="preview"),
    path("<id:pk>/draft/quiz/", views.quiz, name="quiz"),
    path("<id:pk>/draft/cases/", views.cases, name="cases"),
    path("<id:pk>/draft/<slug:key>/autosave/", views.autosave, name="autosave"),
    path("<id:pk>/draft/<slug:key>/history/", views.section_history, name="section_history"),
    path("<id:pk>/draft/<slug:key>/restore/", views.restore, name="restore"),
    path("<id:pk>/draft/<slug:key>/fact/", views.confirm_fact, name="confirm_fact"),
    path("<id:pk>/document/", views.document, name="document"),
    path("<id:pk>/compare/", views.compare, name="compare"),
    path("<id:pk>/compare/pdf/", views.compare_pdf, name="compare_pdf"),
]
