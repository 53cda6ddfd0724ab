"""Approvals fixtures: Riverside's route (Legal → Compliance), a guideline with an open draft
that passes every check, and helpers that move a review along through the workflow."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from approvals import workflow
from approvals.models import ApprovalRoute, ApprovalStage, ReviewRequest, Rule
from guidelines.models import Draft, DraftSection, Guideline
from guidelines.sections import SECTIONS
from tests.conftest import Persona
from tests.factories import PASSWORD, GuidelineFactory, starter
from tests.sso.support import (  # noqa: F401  (the real identity provider processes)
    idp,
    oidc_process,
    provider,
    saml_process,
    saml_provider,
)


@pytest.fixture
def route(org, legal_role, compliance_role) -> ApprovalRoute:
    route = ApprovalRoute.objects.create(organization=org)
    ApprovalStage.objects.create(route=route, order=1, reviewer_role=legal_role, due_days=5)
    ApprovalStage.objects.create(route=route, order=2, reviewer_role=compliance_role, due_days=5)
    return route


def open_draft(guideline: Guideline, by, content: dict | None = None) -> Draft:
    draft = Draft.objects.create(guideline=guideline, start=Draft.Start.TEMPLATE, created_by=by)
    content = content or starter(guideline.organization)
    for section in SECTIONS:
        DraftSection.objects.create(draft=draft, key=section.key, data=content[section.key])
    return draft


@pytest.fixture
def guideline(org, author) -> Guideline:
    return GuidelineFactory(
        organization=org, created_by=author.user, title="Social media guidelines"
    )


@pytest.fixture
def draft(guideline, author) -> Draft:
    return open_draft(guideline, author.user)


@pytest.fixture
def submit(author) -> Callable[..., ReviewRequest]:
    def do(
        draft: Draft, by: Persona | None = None, summary: str = "First version"
    ) -> ReviewRequest:
        persona = by or author
        return workflow.submit(
            draft=draft, by=persona.user, membership=persona.membership, change_summary=summary
        )

    return do


@pytest.fixture
def review(route, draft, submit, legal, compliance) -> ReviewRequest:
    """Version 1 under review, at the Legal stage."""
    return submit(draft)


def sign(review: ReviewRequest, persona: Persona, password: str = PASSWORD):
    return workflow.sign_off(
        review=ReviewRequest.objects.get(pk=review.pk),
        by=persona.user,
        membership=persona.membership,
        password=password,
    )


def set_rule(route: ApprovalRoute, order: int, rule: str, quorum: int = 1) -> None:
    ApprovalStage.objects.filter(route=route, order=order).update(rule=rule, quorum=quorum)


__all__ = ["Rule", "open_draft", "set_rule", "sign"]


@pytest.fixture
def outsider_all(other_org) -> Persona:
    """Every role, but in another institution: each Riverside review is a 404 to them."""
    from tests.conftest import make_persona
    from tests.factories import ReviewerRoleFactory

    role = ReviewerRoleFactory(organization=other_org, name="Legal")
    return make_persona(
        other_org,
        "everything@lakeside.test",
        "Eve Elsewhere",
        roles=(role,),
        is_admin=True,
        is_author=True,
        is_auditor=True,
    )
