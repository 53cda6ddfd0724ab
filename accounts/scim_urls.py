"""SCIM 2.0 endpoints, under /scim/v2/ (the directory's base URL)."""

from django.urls import path

from . import scim

app_name = "scim"

urlpatterns = [
    path("Users", scim.users, name="users"),
    path("Users/<str:pk>", scim.user, name="user"),
    path("Groups", scim.groups, name="groups"),
    path("Groups/<str:pk>", scim.group, name="group"),
    path("ServiceProviderConfig", scim.service_provider_config, name="service_provider_config"),
    path("Schemas", scim.schemas, name="schemas"),
    path("ResourceTypes", scim.resource_types, name="resource_types"),
]
