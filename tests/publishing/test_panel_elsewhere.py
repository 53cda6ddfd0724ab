"""A person in several institutions sees, on any institution's home, what waits in the others."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization, User
from approvals.models import ReviewRequest
from guidelines.models import Draft
from publishing.models import AckRequest
from tests.factories import MembershipFactory, OrganizationFactory, VersionFactory


def _overdue(published) -> None:
    past = timezone.localdate() - dt.timedelta(days=3)
    AckRequest.objects.filter(campaign=published.campaign).update(due_date=past)


def _home_in(client, org) -> str:
    client.post(reverse("accounts:switch"), {"organization": org.pk})
    html = client.get(reverse("home")).content.decode()
    assert f'data-testid="active-org">{org.name}<' in html
    return html


def test_an_overdue_acknowledgement_elsewhere_shows_with_a_switch(published, employee, other_org):
    MembershipFactory(user=employee.user, organization=other_org)
    _overdue(published)
    client = employee.client()
    html = _home_in(client, other_org)
    assert "Waiting for you in your other institutions" in html
    assert "1 guideline to acknowledge" in html and "1 overdue" in html
    assert "Switch to Riverside" in html
    # The switch lands on the other institution's home, with the guideline to acknowledge.
    response = client.post(
        reverse("accounts:switch"), {"organization": published.organization_id}, follow=True
    )
    page = response.content.decode()
    assert 'data-testid="active-org">Riverside<' in page and "Read and acknowledge" in page
    assert "Waiting for you in your other institutions" not in page


def test_nothing_is_shown_to_people_in_one_institution_or_with_nothing_waiting(
    published, employee, other_org, author
):
    assert "other institutions" not in employee.client().get(reverse("home")).content.decode()
    MembershipFactory(user=employee.user, organization=other_org)
    from publishing.services import acknowledge

    acknowledge(version=published.version, user=employee.user, confirmed=True)
    assert "other institutions" not in _home_in(employee.client(), other_org)


def test_only_the_persons_own_work_is_counted(published, employee, author, org, other_org):
    """Other people's requests and drafts of an institution where the person is only an
    employee stay out of it."""
    MembershipFactory(user=employee.user, organization=other_org)
    Draft.objects.create(guideline=published.guideline, created_by=author.user)
    AckRequest.objects.filter(user=employee.user).update(acknowledged_at=timezone.now())
    html = _home_in(employee.client(), other_org)
    assert "other institutions" not in html
    assert "open draft" not in html


def test_a_review_waiting_for_a_reviewer_elsewhere(shared, other_org, org, author):
    version = VersionFactory(
        guideline__organization=org, status="in_review", created_by=author.user
    )
    assert shared.membership.organization_id == org.pk
    legal_id = next(iter(shared.membership.reviewer_role_ids))
    now = timezone.now()
    ReviewRequest.objects.create(
        guideline=version.guideline,
        version=version,
        route=[{"order": 1, "role_id": legal_id, "role_name": "Legal", "rule": "any",
                "quorum": 1, "due_days": 5}],
        stage_started_at=now,
        stage_due_at=now + dt.timedelta(days=5),
        submitted_by=author.user,
    )  # fmt: skip
    html = _home_in(shared.client(), other_org)
    assert "1 review waiting for your signature" in html
    assert "Switch to Riverside" in html


def test_an_author_elsewhere_sees_open_drafts_and_an_admin_versions_ready(
    author, org, other_org, approved
):
    Membership.objects.filter(pk=author.membership.pk).update(is_admin=True)
    MembershipFactory(user=author.user, organization=other_org)
    Draft.objects.create(guideline=approved.guideline, created_by=author.user)
    html = _home_in(author.client(), other_org)
    assert "1 open draft" in html and "1 version ready to publish" in html


def test_queries_stay_the_same_however_many_institutions_and_rows(
    published, employee, django_assert_max_num_queries
):
    client = employee.client()
    home_org = OrganizationFactory(name="Zed Clinic", slug="zed")
    MembershipFactory(user=employee.user, organization=home_org)
    _overdue(published)
    client.post(reverse("accounts:switch"), {"organization": home_org.pk})
    for size in (1, 4):
        while Membership.objects.filter(user=employee.user).count() < size + 1:
            org = OrganizationFactory()
            MembershipFactory(user=employee.user, organization=org)
            users = User.objects.bulk_create(
                [User(email=f"{org.slug}-{i}@x.test", full_name="P") for i in range(30)]
            )
            Membership.objects.bulk_create([Membership(user=u, organization=org) for u in users])
        with django_assert_max_num_queries(14):
            response = client.get(reverse("home"))
        html = response.content.decode()
        assert "1 overdue" in html and "Switch to Riverside" in html


def test_the_float_nurse_in_lakeside_is_told_of_the_overdue_acknowledgement_at_riverside(db):
    call_command("load_demo")
    floater = User.objects.get(email="float@riverside.example")
    lakeside = Organization.objects.get(name="Lakeside Clinic")
    from django.test import Client

    client = Client()
    client.force_login(floater)
    html = _home_in(client, lakeside)
    assert "Riverside Health" in html and "overdue" in html
    assert "Switch to Riverside Health" in html
