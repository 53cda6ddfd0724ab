from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "API, webhooks and chat"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the audit trail to the event outbox)
