"""Personas: the people every test speaks about.

``org`` is "Riverside" with reviewer roles Legal and Compliance and two staff groups;
``other_org`` is another institution whose admin is the ``outsider``; ``shared`` is a
Riverside legal reviewer who also works at Lakeside.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import settings as hypothesis_settings

from accounts.models import Membership, Organization, ReviewerRole, StaffGroup, User
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    ReviewerRoleFactory,
    StaffGroupFactory,
    UserFactory,
)

# CI replays the same generated examples on every run, so a landing never hangs on a lucky
# draw; locally the examples are new each run and keep looking for trouble.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@dataclass
class Persona:
    user: User
    membership: Membership
    # The person's place in a second institution, for people who work in two.
    elsewhere: Membership | None = None

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def org(self) -> Organization:
        return self.membership.organization

    def client(self) -> Client:
        client = Client()
        client.force_login(self.user)
        return client


def make_persona(
    org: Organization,
    email: str,
    name: str,
    *,
    roles: tuple[ReviewerRole, ...] = (),
    group: StaffGroup | None = None,
    **flags: bool,
) -> Persona:
    user = UserFactory(email=email, full_name=name)
    membership = MembershipFactory(user=user, organization=org, staff_group=group, **flags)
    if roles:
        membership.reviewer_roles.set(roles)
    return Persona(user, membership)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rate limits and integration subscriptions kept
    there must not carry over to a test whose rows happen to reuse the same ids."""
    cache.clear()


@pytest.fixture
def redis_unreachable(settings) -> None:
    """The shared cache is Redis on a port where nothing listens: every cache call fails at
    once (connection refused), as when Redis is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def org(db) -> Organization:
    return OrganizationFactory(name="Riverside", slug="riverside")


@pytest.fixture
def other_org(db) -> Organization:
    return OrganizationFactory(name="Lakeside", slug="lakeside")


@pytest.fixture
def nursing(org) -> StaffGroup:
    return StaffGroupFactory(organization=org, name="Nursing")


@pytest.fixture
def pharmacy(org) -> StaffGroup:
    return StaffGroupFactory(organization=org, name="Pharmacy")


@pytest.fixture
def legal_role(org) -> ReviewerRole:
    return ReviewerRoleFactory(organization=org, name="Legal")


@pytest.fixture
def compliance_role(org) -> ReviewerRole:
    return ReviewerRoleFactory(organization=org, name="Compliance")


@pytest.fixture
def admin(org, nursing) -> Persona:
    return make_persona(org, "admin@riverside.test", "Ada Admin", is_admin=True)


@pytest.fixture
def author(org) -> Persona:
    return make_persona(org, "author@riverside.test", "Arthur Author", is_author=True)


@pytest.fixture
def legal(org, legal_role) -> Persona:
    return make_persona(org, "legal@riverside.test", "Lee Legal", roles=(legal_role,))


@pytest.fixture
def compliance(org, compliance_role) -> Persona:
    return make_persona(
        org, "compliance@riverside.test", "Cory Compliance", roles=(compliance_role,)
    )


@pytest.fixture
def auditor(org) -> Persona:
    return make_persona(org, "auditor@riverside.test", "Audrey Auditor", is_auditor=True)


@pytest.fixture
def employee(org, nursing) -> Persona:
    return make_persona(org, "employee@riverside.test", "Emma Employee", group=nursing)


@pytest.fixture
def outsider(other_org) -> Persona:
    """An admin, but of another institution: everything of ``org`` is a 404 to them."""
    return make_persona(other_org, "admin@lakeside.test", "Otto Outsider", is_admin=True)


@pytest.fixture
def shared(org, other_org, legal_role) -> Persona:
    """A Riverside legal reviewer who later joined Lakeside too (an employee there).
    ``membership`` is the Riverside place, ``elsewhere`` the Lakeside one."""
    persona = make_persona(org, "shared@riverside.test", "Sam Shared", roles=(legal_role,))
    persona.elsewhere = MembershipFactory(user=persona.user, organization=other_org)
    return persona
