"""Demo content: Riverside Health's social media guidelines, being written from the template."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Organization, User

from . import services
from .models import Guideline
from .sections import get_section

DEMO_SLUG = "social-media"
DEMO_TITLE = "Social media guidelines"
AUTHOR_EMAIL = "author@riverside.example"


def load_guidelines(organization: Organization) -> None:
    """Riverside's guideline with an open draft started from the template, a few sections edited.

    Idempotent: if the guideline exists (perhaps with versions added by later loaders), it is
    left alone.
    """
    if organization.slug != "riverside-health":
        return
    if Guideline.objects.filter(organization=organization, slug=DEMO_SLUG).exists():
        return
    author = User.objects.filter(email=AUTHOR_EMAIL).first()
    if author is None:
        return
    with transaction.atomic():
        guideline = services.create_guideline(
            organization=organization,
            by=author,
            title=DEMO_TITLE,
            start="template",
            slug=DEMO_SLUG,
        )
        draft = guideline.drafts.get(is_open=True)
        rows = {row.key: row for row in draft.sections.all()}

        accounts = dict(rows["accounts"].data)
        accounts["accounts"] = [
            *accounts["accounts"],
            {
                "platform": "Instagram",
                "handle": "@RiversideER",
                "url": "https://www.instagram.com/RiversideER",
                "department": "Emergency Department",
            },
        ]
        accounts["hashtags"] = [*accounts["hashtags"], "#RiversideRuns"]
        services.save_section(
            draft=draft,
            key="accounts",
            data=accounts,
            revision=rows["accounts"].revision,
            by=author,
        )

        dos = dict(rows["dos_donts"].data)
        dos["dos"] = [*dos["dos"], "Thank colleagues publicly for great teamwork, with consent."]
        services.save_section(
            draft=draft, key="dos_donts", data=dos, revision=rows["dos_donts"].revision, by=author
        )

        # The author has started on security but not yet said how to report a hacked account,
        # so the demo shows a failing check.
        security = get_section("security")
        services.save_section(
            draft=draft,
            key=security.key,
            data={
                "body": "- Use a strong, unique password for every account.\n"
                "- You must turn on two-factor authentication for every official Riverside "
                "Health account."
            },
            revision=rows["security"].revision,
            by=author,
        )
