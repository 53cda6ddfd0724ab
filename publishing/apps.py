from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Publishing and acknowledgement"

    def ready(self) -> None:
        from guidelines.hooks import VERSION_PANELS

        from . import panels, signals  # noqa: F401  (registers home panels and receivers)
        from .version_panel import publication_panel

        if publication_panel not in VERSION_PANELS:
            VERSION_PANELS.append(publication_panel)

        try:
            from approvals import reminders as approvals_reminders
        except ImportError:
            return
        jobs = getattr(approvals_reminders, "REMINDERS", None)
        if isinstance(jobs, list):
            from .reminders import REMINDERS

            for job in REMINDERS:
                if job not in jobs:
                    jobs.append(job)
