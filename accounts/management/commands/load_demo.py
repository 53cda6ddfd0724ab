from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.demo import DEMO_LOGINS, load_people


class Command(BaseCommand):
    help = "Create the demo institutions and people (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        riverside, _lakeside = load_people()
        from accounts import demo_content

        demo_content.load_all(riverside)
        self.stdout.write(
            self.style.SUCCESS("Demo institutions ready: Riverside Health, Lakeside Clinic.")
        )
        self.stdout.write(f"Password for every demo login: {settings.CHARTER_DEMO_PASSWORD}")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:32} {login.role}")
