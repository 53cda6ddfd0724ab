from django.urls import path

from config import ids

from . import views

ids.register()  # before any route below names <id:…>

app_name = "integrations"

urlpatterns = [
    path("", views.index, name="index"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<id:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("endpoints/new/", views.endpoint_new, name="endpoint_new"),
    path("endpoints/<id:pk>/", views.endpoint, name="endpoint"),
    path("endpoints/<id:pk>/test/", views.endpoint_test, name="endpoint_test"),
    path("deliveries/<id:pk>/replay/", views.delivery_replay, name="delivery_replay"),
]
