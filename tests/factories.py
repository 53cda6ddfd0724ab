"""factory-boy factories for the models every app's tests need."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.contrib.auth.hashers import make_password
from django.db import models
from factory.django import DjangoModelFactory

from accounts.models import Membership, Organization, ReviewerRole, StaffGroup, User
from audit.models import PERSONAL_LANES, personal_lane
from guidelines.models import Guideline, Version

M = TypeVar("M", bound=models.Model)

PASSWORD = "correct horse battery"
_PASSWORD_HASH = make_password(PASSWORD)


class ModelFactory(DjangoModelFactory[M]):
    """A factory whose call returns the model it makes, as type checkers see it too."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # factory-boy builds instances in its metaclass and leaves calling the class untyped.
        def __new__(cls, *args: Any, **kwargs: Any) -> M: ...  # type: ignore[misc]


class OrganizationFactory(ModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Hospital {n}")
    slug = factory.Sequence(lambda n: f"hospital-{n}")
    website = "https://hospital.example"
    contact_name = "Casey Contact"
    contact_role = "Social Media Manager"
    contact_email = "social@hospital.example"
    contact_phone = "+1 555 0199"
    policy_url = "https://hospital.example/policy"
    brand_url = "https://hospital.example/brand"
    # New institutions require a second factor to sign; the personas sign with a password
    # unless a test turns it on (tests/approvals/test_signer_factor_required.py).
    require_signer_second_factor = False


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@hospital.example")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = _PASSWORD_HASH


class StaffGroupFactory(ModelFactory[StaffGroup]):
    class Meta:
        model = StaffGroup

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class ReviewerRoleFactory(ModelFactory[ReviewerRole]):
    class Meta:
        model = ReviewerRole

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Role {n}")


class MembershipFactory(ModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)


class GuidelineFactory(ModelFactory[Guideline]):
    class Meta:
        model = Guideline

    organization = factory.SubFactory(OrganizationFactory)
    title = "Social media guidelines"
    slug = factory.Sequence(lambda n: f"social-media-{n}")
    created_by = factory.SubFactory(UserFactory)


def starter(org: Organization | None = None) -> dict:
    """Starter content filled for an institution, its facts confirmed: passes every check."""
    from guidelines.facts import confirm_all
    from guidelines.sections import starter_content

    org = org or OrganizationFactory.build(name="Riverside", slug="riverside")
    return confirm_all(
        starter_content(
            {
                "institution": org.name,
                "institution_handle": org.handle_base,
                "website": org.website,
                "policy_url": org.policy_url,
                "brand_url": org.brand_url,
                "contact_name": org.contact_name,
                "contact_role": org.contact_role,
                "contact_email": org.contact_email,
                "contact_phone": org.contact_phone,
            }
        )
    )


class VersionFactory(ModelFactory[Version]):
    """A frozen version; content defaults to the filled starter template."""

    class Meta:
        model = Version

    guideline = factory.SubFactory(GuidelineFactory)
    number = factory.Sequence(lambda n: n + 1)
    content = factory.LazyAttribute(lambda o: starter(o.guideline.organization))
    change_summary = "First version"
    created_by = factory.SubFactory(UserFactory)


def confirm_draft_facts(draft, by) -> None:
    """Keep every fact a template draft marks to confirm, through the service an author uses."""
    from guidelines.facts import confirm_all, facts_in
    from guidelines.services import save_section

    for row in draft.sections.all():
        if facts_in(row.data):
            save_section(
                draft=draft, key=row.key, data=confirm_all(row.data), revision=row.revision, by=by
            )


def member_in_lane(
    org: Organization, *, lane: int | None = None, avoid: Collection[int] = ()
) -> User:
    """A new member of ``org`` whose acknowledgements are chained in ``lane`` (or in any lane
    not in ``avoid``): users are made until one's id falls there."""
    for _ in range(10 * PERSONAL_LANES):
        user = UserFactory()
        mine = personal_lane(user.pk)
        if (lane is not None and mine == lane) or (lane is None and mine not in avoid):
            MembershipFactory(organization=org, user=user)
            return user
    raise AssertionError(f"no user fell in lane {lane}")
