"""The demo institutions: Riverside Health (full cast) and Lakeside Clinic (for isolation)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from .models import Membership, Organization, ReviewerRole, StaffGroup, User

RIVERSIDE_GROUPS = ["Nursing", "Physicians", "Pharmacy", "Administration", "Facilities"]
FIRST = [
    "Alex",
    "Sam",
    "Jordan",
    "Taylor",
    "Morgan",
    "Casey",
    "Riley",
    "Jamie",
    "Avery",
    "Quinn",
    "Drew",
    "Robin",
    "Kai",
    "Noor",
    "Priya",
    "Mateo",
    "Lena",
    "Omar",
    "Grace",
    "Ines",
]
LAST = [
    "Nguyen",
    "Okafor",
    "Schmidt",
    "Garcia",
    "Patel",
    "Kowalski",
    "Haddad",
    "Moreau",
    "Silva",
    "Kim",
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str


DEMO_LOGINS = [
    DemoLogin("admin@riverside.example", "Institution admin, Riverside Health"),
    DemoLogin("author@riverside.example", "Social media manager (author), Riverside Health"),
    DemoLogin("legal@riverside.example", "Legal reviewer, Riverside Health"),
    DemoLogin("compliance@riverside.example", "Compliance reviewer, Riverside Health"),
    DemoLogin("employee@riverside.example", "Employee (Nursing), Riverside Health"),
    DemoLogin("float@riverside.example", "Employee in both institutions"),
    DemoLogin("admin@lakeside.example", "Institution admin, Lakeside Clinic"),
]


def _person(email: str, name: str, password_hash: str, created: list[User] | None = None) -> User:
    user, was_created = User.objects.get_or_create(
        email=email, defaults={"full_name": name, "password": password_hash}
    )
    if was_created and created is not None:
        created.append(user)
    return user


def _member(user: User, org: Organization, **fields: object) -> Membership:
    membership, _ = Membership.objects.get_or_create(user=user, organization=org, defaults=fields)
    return membership


@transaction.atomic
def load_people() -> tuple[Organization, Organization]:
    """Create the demo people if missing; running it again changes nothing."""
    password = make_password(settings.CHARTER_DEMO_PASSWORD)
    riverside, _ = Organization.objects.get_or_create(
        slug="riverside-health",
        defaults={
            "name": "Riverside Health",
            "website": "https://www.riverside.example",
            "contact_name": "Dana Whitfield",
            "contact_role": "Social Media Manager",
            "contact_email": "social@riverside.example",
            "contact_phone": "+1 555 0100",
            "policy_url": "https://intranet.riverside.example/policies/social-media",
            "brand_url": "https://intranet.riverside.example/brand",
            # The demo's reviewers sign with the demo password so anyone can walk the story;
            # a real institution keeps the default (a second factor for every signer).
            "require_signer_second_factor": False,
        },
    )
    lakeside, _ = Organization.objects.get_or_create(
        slug="lakeside-clinic",
        defaults={
            "name": "Lakeside Clinic",
            "website": "https://www.lakeside.example",
            "contact_name": "Ravi Menon",
            "contact_email": "comms@lakeside.example",
            "require_signer_second_factor": False,
        },
    )
    groups = {
        name: StaffGroup.objects.get_or_create(organization=riverside, name=name)[0]
        for name in RIVERSIDE_GROUPS
    }
    legal = ReviewerRole.objects.get_or_create(organization=riverside, name="Legal")[0]
    compliance = ReviewerRole.objects.get_or_create(organization=riverside, name="Compliance")[0]
    lake_group = StaffGroup.objects.get_or_create(organization=lakeside, name="Clinic staff")[0]
    ReviewerRole.objects.get_or_create(organization=lakeside, name="Legal")

    admin = _person("admin@riverside.example", "Morgan Ellis", password)
    _member(
        admin,
        riverside,
        is_admin=True,
        staff_group=groups["Administration"],
        job_title="Director of Communications",
    )
    author = _person("author@riverside.example", "Dana Whitfield", password)
    _member(
        author,
        riverside,
        is_author=True,
        staff_group=groups["Administration"],
        job_title="Social Media Manager",
    )
    legal_user = _person("legal@riverside.example", "Priya Raman", password)
    m = _member(legal_user, riverside, staff_group=groups["Administration"], job_title="Counsel")
    m.reviewer_roles.add(legal)
    compliance_user = _person("compliance@riverside.example", "Tom Becker", password)
    m = _member(
        compliance_user,
        riverside,
        staff_group=groups["Administration"],
        job_title="Compliance Officer",
    )
    m.reviewer_roles.add(compliance)
    employee = _person("employee@riverside.example", "Jamie Ortiz", password)
    _member(employee, riverside, staff_group=groups["Nursing"], job_title="Registered Nurse")
    floater = _person("float@riverside.example", "Robin Adeyemi", password)
    _member(floater, riverside, staff_group=groups["Nursing"], job_title="Float Nurse")
    _member(floater, lakeside, staff_group=lake_group, job_title="Float Nurse")
    lake_admin = _person("admin@lakeside.example", "Ravi Menon", password)
    _member(lake_admin, lakeside, is_admin=True, staff_group=lake_group, job_title="Clinic Manager")

    for i in range(200):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        user = _person(f"staff{i:03d}@riverside.example", f"{first} {last}", password)
        group = groups[RIVERSIDE_GROUPS[i % len(RIVERSIDE_GROUPS)]]
        _member(user, riverside, staff_group=group, job_title="Staff")
    for i in range(6):
        user = _person(f"staff{i:02d}@lakeside.example", f"{FIRST[i + 5]} {LAST[i]}", password)
        _member(user, lakeside, staff_group=lake_group, job_title="Clinic staff")
    return riverside, lakeside
