from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "Approvals"

    def ready(self) -> None:
        from . import panels  # registers the home panel

        try:
            from guidelines.hooks import VERSION_PANELS
        except ImportError:  # the version page is not there: nothing to add signatures to
            return
        if panels.version_signatures not in VERSION_PANELS:
            VERSION_PANELS.append(panels.version_signatures)
