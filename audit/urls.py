from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.events, name="events"),
    path("people/", views.people, name="people"),
    path("check/", views.check, name="check"),
    path("export.csv", views.export, name="export"),
]
