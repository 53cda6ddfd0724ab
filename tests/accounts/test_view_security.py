"""accounts:security — the institution requires two-factor for admins and reviewers."""

from django.test import Client
from django.urls import reverse

from accounts.twofactor import services as twofactor
from audit.models import AuditEvent
from tests.accounts.twofactor_support import code_for, enrol
from tests.factories import MembershipFactory

URL = reverse("accounts:security")
ENROL = reverse("accounts:two_factor")
PAGE = reverse("accounts:notifications")


def _require(org) -> None:
    org.require_reviewer_2fa = True
    org.save()


def test_admin_turns_the_requirement_on_and_it_is_audited(admin, org):
    device = enrol(admin.user)
    client = admin.client()
    client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    response = client.post(URL, {"require_reviewer_2fa": "on"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.require_reviewer_2fa
    assert AuditEvent.objects.filter(action="accounts.security.changed", actor=admin.user).exists()
    client.post(URL, {})
    org.refresh_from_db()
    assert not org.require_reviewer_2fa


def test_admin_without_two_factor_who_requires_it_is_sent_to_enrol_next(admin, org):
    client = admin.client()
    client.post(URL, {"require_reviewer_2fa": "on"})
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == ENROL


def test_reviewer_without_two_factor_must_enrol_before_anything_else(legal, org):
    _require(org)
    client = legal.client()
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"] == ENROL
    page = client.get(ENROL, follow=True).content.decode()
    assert "Riverside requires two-factor sign-in for admins and reviewers" in page
    assert "Set it up to continue" in page
    device = twofactor.pending_device(user=legal.user)
    client.post(ENROL, {"code": code_for(device)})
    assert client.get(PAGE).status_code == 200


def test_requirement_leaves_authors_auditors_and_employees_alone(org, author, auditor, employee):
    _require(org)
    for persona in (author, auditor, employee):
        assert persona.client().get(PAGE).status_code == 200


def test_required_reviewer_signing_in_again_is_asked_for_the_code(legal, org, password):
    _require(org)
    device = enrol(legal.user)
    client = Client()
    client.post(reverse("accounts:login"), {"username": legal.email, "password": password})
    assert client.get(PAGE)["Location"].startswith(reverse("accounts:two_factor_verify"))
    client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    assert client.get(PAGE).status_code == 200


def test_reviewer_who_enrolled_in_another_browser_is_asked_for_a_code(legal, org):
    client = legal.client()
    assert client.get(PAGE).status_code == 200
    enrol(legal.user)
    _require(org)
    response = client.get(PAGE)
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_page_lists_admins_reviewers_and_enrolled_people_with_status(admin, legal, employee):
    enrol(employee.user)
    html = admin.client().get(URL).content.decode()
    assert legal.email in html and employee.email in html and admin.email in html
    assert "<strong>Off</strong>" in html and ">On<" in html
    assert f'action="{reverse("accounts:two_factor_reset", args=[employee.membership.pk])}"' in html


def test_search_finds_anyone(admin, author):
    client = admin.client()
    assert author.email not in client.get(URL).content.decode()
    assert author.email in client.get(URL, {"q": "arthur"}).content.decode()


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_members_who_are_not_admins_get_403(employee, author, legal, auditor):
    for persona in (employee, author, legal, auditor):
        assert persona.client().get(URL).status_code == 403
        assert persona.client().post(URL, {"require_reviewer_2fa": "on"}).status_code == 403


def test_admin_of_another_institution_sees_and_changes_only_their_own(outsider, org, legal):
    html = outsider.client().get(URL).content.decode()
    assert legal.email not in html
    outsider.client().post(URL, {"require_reviewer_2fa": "on"})
    org.refresh_from_db()
    assert not org.require_reviewer_2fa
    outsider.org.refresh_from_db()
    assert outsider.org.require_reviewer_2fa


def test_saving_the_same_setting_again_records_nothing(admin):
    admin.client().post(URL, {})
    assert not AuditEvent.objects.filter(action="accounts.security.changed").exists()


def test_security_page_query_count_is_bounded(
    admin, org, legal_role, django_assert_max_num_queries
):
    client = admin.client()

    def add(n: int) -> None:
        for membership in MembershipFactory.create_batch(n, organization=org):
            membership.reviewer_roles.set([legal_role])
            enrol(membership.user, recovery_codes=[])

    add(3)
    with django_assert_max_num_queries(11):
        response = client.get(URL)
    assert response.status_code == 200 and "Security" in response.content.decode()
    add(40)
    with django_assert_max_num_queries(11):
        response = client.get(URL)
    assert response.status_code == 200 and "Security" in response.content.decode()
