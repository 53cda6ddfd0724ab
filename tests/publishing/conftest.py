"""Publishing fixtures: an approved, signed version of Riverside's guideline, and publishing it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from approvals.models import ReviewRequest, Signature
from guidelines.models import Version
from publishing import services
from tests.factories import GuidelineFactory, VersionFactory

QUIZ = [
    {
        "question": "May you post a photo of a patient if their face is hidden?",
        "choices": ["Yes", "No, not without written consent through the proper process"],
        "answer": 1,
    },
    {
        "question": "Where do you report an impostor account?",
        "choices": ["Nowhere", "To the social media contact"],
        "answer": 1,
    },
]


def sign(version: Version, *personas) -> list[Signature]:
    """Record an approved review of the version with one signature per persona."""
    now = timezone.now()
    review = ReviewRequest.objects.create(
        guideline=version.guideline,
        version=version,
        status=ReviewRequest.Status.APPROVED,
        route=[],
        stage_started_at=now,
        stage_due_at=now,
        submitted_by=version.created_by,
        closed_at=now,
    )
    return [
        Signature.objects.create(
            review=review,
            version=version,
            stage_index=i,
            signer=p.user,
            printed_name=p.user.full_name,
            role_name=name,
            meaning=f"Approved — {name} review",
            content_hash=version.content_hash,
            signed_at=now,
        )
        for i, (p, name) in enumerate(zip(personas, ("Legal", "Compliance"), strict=False))
    ]


@pytest.fixture
def guideline(org, author):
    return GuidelineFactory(organization=org, slug="social-media", created_by=author.user)


@pytest.fixture
def make_version(guideline, author):
    def make(number: int = 1, *, quiz=None, content=None, status=Version.Status.APPROVED, cases=()):
        kwargs = {"content": content} if content is not None else {}
        return VersionFactory(
            guideline=guideline,
            number=number,
            status=status,
            quiz=quiz or [],
            cases=list(cases),
            created_by=author.user,
            **kwargs,
        )

    return make


@pytest.fixture
def approved(make_version, legal, compliance):
    version = make_version(1)
    sign(version, legal, compliance)
    return version


@pytest.fixture
def do_publish(admin, django_capture_on_commit_callbacks):
    """Publish a version as the admin, running the on-commit work (targeting, e-mails)."""

    def run(version, *, effective=None, due=None, groups=(), ack=True, reason="", review=None):
        today = timezone.localdate()
        with django_capture_on_commit_callbacks(execute=True):
            return services.publish(
                version=version,
                by=admin.user,
                effective_date=effective or today,
                requires_acknowledgement=ack,
                skip_reason=reason,
                target_groups=list(groups),
                due_date=due or (effective or today) + dt.timedelta(days=14),
                next_review_date=review,
            )

    return run


@pytest.fixture
def published(approved, do_publish, employee, author, legal, compliance, auditor):
    """Version 1 published today to all staff (everyone in the persona cast is asked)."""
    return do_publish(approved)
