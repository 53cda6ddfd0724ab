from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and institutions"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import signals  # noqa: F401
        from .twofactor.services import remember_device_at_sign_in

        user_logged_in.connect(remember_device_at_sign_in, dispatch_uid="charter_two_factor")
