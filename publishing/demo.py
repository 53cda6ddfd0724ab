"""Demo content: Riverside Health's version 1, signed, published 60 days ago, ~60% acknowledged."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization, ReviewerRole, StaffGroup, User
from approvals.models import ReviewRequest, Signature
from audit.services import record
from guidelines.facts import confirm_all
from guidelines.models import Guideline, Version
from guidelines.sections import get_section, starter_content
from guidelines.status import move

from .models import Acknowledgement, AckRequest, Campaign, Publication
from .services import add_months

DEMO_SLUG = "social-media"
DEMO_TITLE = "Social media guidelines"
PUBLISHED_DAYS_AGO = 60
DUE_DAYS_AFTER = 30
# The demo employee and the float nurse still have something to acknowledge on first sign-in.
KEEP_PENDING = {"employee@riverside.example", "float@riverside.example"}

DEMO_QUIZ = [
    {
        "question": "A patient thanks you publicly in a comment. What do you do?",
        "choices": [
            "Reply and mention their treatment so others know the service is good",
            "Do not confirm they are a patient; move the conversation to a private channel",
        ],
        "answer": 1,
    },
    {
        "question": "You find an account using the Riverside Health logo that is not listed. "
        "What do you do?",
        "choices": [
            "Send the link to the social media team so they can check and report it",
            "Follow it to keep an eye on it",
        ],
        "answer": 0,
    },
]


def _demo_cases(organization: Organization) -> list[dict[str, Any]]:
    """Three worked cases the demo author answered from the guideline's own text; the
    phishing case is also asked in the quiz of the administration staff (who look after
    the accounts), so the demo shows a quiz drawn from the cases for one group."""
    answers = {
        ("privacy", 2): (
            "Yes, it can be. A date and a unit are often enough for someone to recognise the "
            "patient, even without a name. Ask your colleague to take it down, and tell the "
            "Privacy Officer so they can decide what else is needed."
        ),
        ("security", 0): (
            "Do not log in through the link. Platforms do not ask for passwords in messages. "
            "Open the platform yourself, and forward the message to the social media team."
        ),
        ("response", 1): (
            "Reply promptly with the crisis line and, if they may be in danger, tell them to "
            "call emergency services. Then alert the on-call clinician through the switchboard "
            "and let the social media team know."
        ),
    }
    cases: list[dict[str, Any]] = [
        {"section": key, "scenario": get_section(key).scenarios[index], "answer": answer}
        for (key, index), answer in answers.items()
    ]
    administration = StaffGroup.objects.filter(
        organization=organization, name="Administration"
    ).first()
    if administration is not None:
        cases[1]["wrong"] = [
            "Log in through the link quickly, so that the page is not suspended",
            "Reply with the password, since the message comes from the platform",
        ]
        cases[1]["groups"] = [administration.pk]
    return cases


def _sign(version: Version, signed_at: dt.datetime) -> None:
    if version.signatures.exists():
        return
    org = version.guideline.organization
    signers = []
    for role_name, email in (
        ("Legal", "legal@riverside.example"),
        ("Compliance", "compliance@riverside.example"),
    ):
        user = User.objects.filter(email=email).first()
        role = ReviewerRole.objects.filter(organization=org, name=role_name).first()
        if user is not None and role is not None:
            signers.append((role, user))
    route = [
        {"order": i, "role_id": role.pk, "role_name": role.name, "rule": "any", "quorum": 1,
         "due_days": 5}
        for i, (role, _user) in enumerate(signers, start=1)
    ]  # fmt: skip
    review = ReviewRequest.objects.create(
        guideline=version.guideline,
        version=version,
        status=ReviewRequest.Status.APPROVED,
        route=route,
        stage_index=len(route),
        stage_started_at=signed_at,
        stage_due_at=signed_at + dt.timedelta(days=5),
        submitted_by=version.created_by,
        closed_at=signed_at + dt.timedelta(hours=3 * len(signers)),
    )
    for i, (role, user) in enumerate(signers):
        Signature.objects.create(
            review=review,
            version=version,
            stage_index=i,
            signer=user,
            printed_name=user.full_name,
            role_name=role.name,
            meaning=f"Approved — {role.name} review",
            content_hash=version.content_hash,
            signed_at=signed_at + dt.timedelta(hours=3 * (i + 1)),
        )


@transaction.atomic
def ensure_published_version(organization: Organization) -> Publication | None:
    """Version 1 of the demo guideline, signed and published 60 days ago; idempotent.

    Other demo loaders may call this first when they need version 1 to exist.
    """
    author = User.objects.filter(email="author@riverside.example").first()
    admin = User.objects.filter(email="admin@riverside.example").first()
    if author is None or admin is None:
        return None
    guideline, _ = Guideline.objects.get_or_create(
        organization=organization,
        slug=DEMO_SLUG,
        defaults={"title": DEMO_TITLE, "created_by": author},
    )
    existing = Publication.objects.filter(guideline=guideline).order_by("version__number").first()
    if existing is not None:
        return existing
    now = timezone.now()
    published_at = now - dt.timedelta(days=PUBLISHED_DAYS_AGO)
    version = guideline.versions.filter(number=1).first()
    if version is None:
        version = Version.objects.create(
            guideline=guideline,
            number=1,
            content=confirm_all(starter_content(organization.placeholder_context())),
            quiz=DEMO_QUIZ,
            cases=_demo_cases(organization),
            change_summary="First edition, written from the healthcare starter template.",
            created_by=author,
        )
        move(version, to=Version.Status.APPROVED)
    elif version.status != Version.Status.APPROVED:
        return None  # someone else's demo owns version 1; leave it as it is
    signed_at = published_at - dt.timedelta(days=5)
    _sign(version, signed_at)
    _backdate(guideline, version, signed_at)

    effective = timezone.localdate(published_at)
    publication = Publication.objects.create(
        organization=organization,
        guideline=guideline,
        version=version,
        effective_date=effective,
        published_by=admin,
        published_at=published_at,
        requires_acknowledgement=True,
        next_review_date=add_months(effective, 12),
    )
    move(version, to=Version.Status.PUBLISHED)
    Guideline.objects.filter(pk=guideline.pk).update(next_review_date=publication.next_review_date)
    campaign = Campaign.objects.create(
        organization=organization,
        publication=publication,
        version=version,
        due_date=effective + dt.timedelta(days=DUE_DAYS_AFTER),
        created_by=admin,
        created_at=published_at,
        populated_at=published_at,
    )
    _fill_campaign(campaign, published_at)
    record(
        "publishing.version.published",
        actor=admin,
        organization=organization,
        obj=version,
        guideline_id=guideline.pk,
        details={"number": 1, "content_hash": version.content_hash, "demo": True},
        actor_label="demo",
    )
    return publication


def _backdate(guideline: Guideline, version: Version, signed_at: dt.datetime) -> None:
    """Version 1 was written and submitted before it was signed and published, not today:
    the dates the pages show agree with the signatures and acknowledgements."""
    submitted = signed_at - dt.timedelta(days=2)
    Guideline.objects.filter(pk=guideline.pk, created_at__gt=submitted).update(
        created_at=submitted - dt.timedelta(days=7)
    )
    Version.objects.filter(pk=version.pk).update(created_at=submitted)
    ReviewRequest.objects.filter(version=version).update(
        submitted_at=submitted,
        stage_started_at=submitted,
        stage_due_at=submitted + dt.timedelta(days=5),
    )


def _fill_campaign(campaign: Campaign, published_at: dt.datetime) -> None:
    """Everyone is asked; about 60% acknowledged; the rest overdue except recent joiners."""
    today = timezone.localdate()
    members = list(
        Membership.objects.filter(organization=campaign.organization, is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    requests, acks = [], []
    for i, m in enumerate(members):
        acknowledged = (i * 37) % 100 < 60 and m.user.email not in KEEP_PENDING
        joined_late = not acknowledged and i % 7 == 0
        when = published_at + dt.timedelta(days=1 + (i % 40), hours=i % 9)
        requests.append(
            AckRequest(
                campaign=campaign,
                membership=m,
                user=m.user,
                staff_group_id=m.staff_group_id,
                due_date=today + dt.timedelta(days=10) if joined_late else campaign.due_date,
                acknowledged_at=when if acknowledged else None,
                created_at=published_at,
            )
        )
        if acknowledged:
            acks.append(
                Acknowledgement(
                    organization=campaign.organization,
                    user=m.user,
                    version=campaign.version,
                    content_hash=campaign.version.content_hash,
                    acknowledged_at=when,
                    ip_address=f"10.20.{i // 250}.{i % 250 + 1}",
                    user_agent="Demo data",
                    quiz_answered=True,
                )
            )
    AckRequest.objects.bulk_create(requests, batch_size=2000)
    Acknowledgement.objects.bulk_create(acks, batch_size=2000)


def load_publishing(organization: Organization) -> None:
    """Riverside Health: a published guideline with a campaign in progress."""
    if organization.slug != "riverside-health":
        return
    ensure_published_version(organization)
