from django.apps import AppConfig


class GuidelinesConfig(AppConfig):
    name = "guidelines"

    def ready(self) -> None:
        from . import panels  # noqa: F401  (registers the home page panel)
