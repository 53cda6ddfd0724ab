from django.urls import path

from . import views

app_name = "postcheck"

urlpatterns = [
    path("", views.check, name="check"),
    path("help/", views.help_page, name="help"),
    path("second-looks/", views.second_looks, name="second_looks"),
    path("second-looks/<int:pk>/", views.second_look, name="second_look"),
]
