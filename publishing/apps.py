from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Publishing and acknowledgement"

    def ready(self) -> None:
        from . import panels, signals  # noqa: F401  (registers home panels and receivers)

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
