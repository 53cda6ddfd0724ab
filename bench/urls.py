from django.urls import path

from . import views

app_name = "bench"

urlpatterns = [
    path("ping/", views.ping, name="ping"),
    path("ping-insert/", views.ping_insert, name="ping_insert"),
]
