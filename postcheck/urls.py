from django.urls import path

from config import ids

from . import views

ids.register()  # before any route below names <id:…>

app_name = "postcheck"

urlpatterns = [
    path("", views.check, name="check"),
    path("help/", views.help_page, name="help"),
    path("second-looks/", views.second_looks, name="second_looks"),
    path("second-looks/<id:pk>/", views.second_look, name="second_look"),
]
