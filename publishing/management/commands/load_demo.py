from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.demo import DEMO_LOGINS, load_people
from approvals.demo import load_route
from approvals.demo_story import load_story
from guidelines.demo import load_guidelines
from publishing.demo import load_publishing


class Command(BaseCommand):
    help = "Create the demo institutions, people and content (idempotent); print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        riverside, _lakeside = load_people()
        # Each loader is idempotent and builds on the ones before it: a draft, the approval
        # route, version 1 published with a campaign, then version 2 waiting for Legal.
        for load in (load_guidelines, load_route, load_publishing, load_story):
            load(riverside)
        self.stdout.write(
            self.style.SUCCESS("Demo institutions ready: Riverside Health, Lakeside Clinic.")
        )
        self.stdout.write(f"Password for every demo login: {settings.CHARTER_DEMO_PASSWORD}")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:32} {login.role}")
