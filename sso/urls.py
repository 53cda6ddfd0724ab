from django.urls import path

from config import ids

from . import views

ids.register()  # before any route below names <id:…>

app_name = "sso"

urlpatterns = [
    path("start/", views.start, name="start"),
    path("oidc/callback/", views.oidc_callback, name="oidc_callback"),
    path("reauth/", views.reauth_start, name="reauth_start"),
    path("reauth/done/", views.reauth_done, name="reauth_done"),
    path("saml/<id:pk>/metadata/", views.saml_metadata, name="saml_metadata"),
    path("saml/<id:pk>/acs/", views.saml_acs, name="saml_acs"),
    path("providers/", views.providers, name="providers"),
    path("providers/new/", views.provider_new, name="provider_new"),
    path("providers/policy/", views.policy, name="policy"),
    path("providers/<id:pk>/", views.provider, name="provider"),
    path("providers/<id:pk>/test/", views.provider_test, name="provider_test"),
    path("providers/<id:pk>/switch/", views.provider_switch, name="provider_switch"),
]
