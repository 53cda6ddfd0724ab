from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("", views.index, name="index"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("endpoints/new/", views.endpoint_new, name="endpoint_new"),
    path("endpoints/<int:pk>/", views.endpoint, name="endpoint"),
    path("endpoints/<int:pk>/test/", views.endpoint_test, name="endpoint_test"),
    path("deliveries/<int:pk>/replay/", views.delivery_replay, name="delivery_replay"),
]
