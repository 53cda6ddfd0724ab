from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Publishing and acknowledgement"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
