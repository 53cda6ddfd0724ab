from django.urls import path

from . import views

app_name = "guidelines"

# The version page ("version", <int:pk>/versions/<int:number>/), the wizard step ("step",
# <int:pk>/draft/<slug:key>/) and the draft's checklist ("checklist", <int:pk>/draft/review/)
# are wired in config/urls.py, which hands them what approvals and
# publishing draw there (signatures, publication, comment threads).

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/rename/", views.rename, name="rename"),
    path("<int:pk>/draft/new/", views.new_draft, name="new_draft"),
    path("<int:pk>/draft/discard/", views.discard_draft, name="discard_draft"),
    path("<int:pk>/draft/preview/", views.preview, name="preview"),
    path("<int:pk>/draft/quiz/", views.quiz, name="quiz"),
    path("<int:pk>/draft/cases/", views.cases, name="cases"),
    path("<int:pk>/draft/<slug:key>/autosave/", views.autosave, name="autosave"),
    path("<int:pk>/draft/<slug:key>/history/", views.section_history, name="section_history"),
    path("<int:pk>/draft/<slug:key>/restore/", views.restore, name="restore"),
    path("<int:pk>/draft/<slug:key>/fact/", views.confirm_fact, name="confirm_fact"),
    path("<int:pk>/document/", views.document, name="document"),
    path("<int:pk>/compare/", views.compare, name="compare"),
    path("<int:pk>/compare/pdf/", views.compare_pdf, name="compare_pdf"),
]
