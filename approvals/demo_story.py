"""Demo content, last of all: version 2 waiting for Legal, and a second guideline in draft.

Runs after the publishing loader (version 1 published), so that every demo role has
something to do on first sign-in.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import Membership, Organization, User
from guidelines import services as guideline_services
from guidelines.facts import confirm_all, facts_in
from guidelines.models import Guideline

from . import workflow

SECURITY_FIX = (
    "\n- If an official account looks hacked (posts you did not write, a changed password), "
    "report it at once to social@riverside.example or the IT service desk, day or night."
)


def load_story(organization: Organization) -> None:
    if organization.slug != "riverside-health":
        return
    author = User.objects.filter(email="author@riverside.example").first()
    if author is None:
        return
    membership = Membership.objects.get(user=author, organization=organization)
    with transaction.atomic():
        _version_two_in_review(organization, author, membership)
        _students_guideline_in_draft(organization, author)


def _version_two_in_review(
    organization: Organization, author: User, membership: Membership
) -> None:
    guideline = Guideline.objects.filter(organization=organization, slug="social-media").first()
    if guideline is None or guideline.versions.filter(number__gte=2).exists():
        return
    if not guideline.versions.filter(number=1).exists():
        return  # version 1 comes from the publishing demo; without it, tell no story
    draft = guideline.drafts.filter(is_open=True).first()
    if draft is None:
        return
    security = draft.sections.get(key="security")
    body = security.data.get("body", "")
    if "report" not in body.lower():
        guideline_services.save_section(
            draft=draft,
            key="security",
            data={**security.data, "body": body + SECURITY_FIX},
            revision=security.revision,
            by=author,
        )
    # The author has checked each fact the template marked and kept them as written.
    for row in draft.sections.all():
        if facts_in(row.data):
            guideline_services.save_section(
                draft=draft,
                key=row.key,
                data=confirm_all(row.data),
                revision=row.revision,
                by=author,
                reason="fact kept",
            )
    workflow.submit(
        draft=draft,
        by=author,
        membership=membership,
        change_summary=(
            "Adds the Emergency Department's Instagram account and a rule on thanking "
            "colleagues; says how to report a hacked account."
        ),
    )


def _students_guideline_in_draft(organization: Organization, author: User) -> None:
    slug = "students-and-trainees"
    if Guideline.objects.filter(organization=organization, slug=slug).exists():
        return
    guideline = guideline_services.create_guideline(
        organization=organization,
        by=author,
        title="Social media guidelines for students and trainees",
        start="template",
        slug=slug,
    )
    draft = guideline.drafts.get(is_open=True)
    privacy = draft.sections.get(key="privacy")
    # Work in progress: the author has cut the privacy text to a first line, so its
    # checks fail and the wizard shows what is missing.
    guideline_services.save_section(
        draft=draft,
        key="privacy",
        data={"body": "Students must protect patient information at all times."},
        revision=privacy.revision,
        by=author,
    )
