from django.apps import AppConfig


class PostcheckConfig(AppConfig):
    name = "postcheck"
    verbose_name = "Check my post"
