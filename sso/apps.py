from django.apps import AppConfig


class SsoConfig(AppConfig):
    """Single sign-on: each institution's identity providers (OpenID Connect, SAML 2.0)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sso"
    verbose_name = "Single sign-on"
