from django.urls import reverse

from accounts.models import Membership
from audit.models import AuditEvent


def test_admin_sees_people_of_their_institution_only(admin, employee, outsider):
    response = admin.client().get(reverse("accounts:people"))
    html = response.content.decode()
    assert response.status_code == 200
    assert employee.email in html
    assert outsider.email not in html


def test_people_search_and_group_filter(admin, employee, nursing, author):
    client = admin.client()
    html = client.get(reverse("accounts:people"), {"q": "emma"}).content.decode()
    assert employee.email in html and author.email not in html
    html = client.get(reverse("accounts:people"), {"group": nursing.pk}).content.decode()
    assert employee.email in html and author.email not in html


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("accounts:people"))
    assert response.status_code == 302


def test_member_without_admin_role_gets_403(employee, author, legal):
    for persona in (employee, author, legal):
        assert persona.client().get(reverse("accounts:people")).status_code == 403


def test_person_of_another_institution_is_404(outsider, employee):
    response = outsider.client().get(reverse("accounts:person", args=[employee.membership.pk]))
    assert response.status_code == 404


def test_people_list_query_count_is_bounded(admin, org, nursing, django_assert_max_num_queries):
    from tests.factories import MembershipFactory

    client = admin.client()
    MembershipFactory.create_batch(5, organization=org, staff_group=nursing)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("accounts:people"))
    assert response.status_code == 200 and "People" in response.content.decode()
    MembershipFactory.create_batch(60, organization=org, staff_group=nursing)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("accounts:people"))
    assert response.status_code == 200 and "Nursing" in response.content.decode()


def test_admin_gives_and_takes_roles_with_history(admin, employee, legal_role):
    client = admin.client()
    url = reverse("accounts:person", args=[employee.membership.pk])
    response = client.post(
        url,
        {"is_author": "on", "reviewer_roles": [legal_role.pk], "job_title": "Nurse"},
    )
    assert response.status_code == 302
    m = Membership.objects.get(pk=employee.membership.pk)
    assert m.is_author and list(m.reviewer_roles.all()) == [legal_role]
    client.post(url, {"job_title": "Nurse"})
    m.refresh_from_db()
    assert not m.is_author and m.reviewer_roles.count() == 0
    assert m.history.count() >= 3
    events = AuditEvent.objects.filter(action="accounts.roles.changed")
    assert events.count() == 2
    assert events.first().details["after"]["author"] is False


def test_last_admin_cannot_remove_own_admin_role(admin):
    url = reverse("accounts:person", args=[admin.membership.pk])
    response = admin.client().post(url, {"job_title": "x"})
    assert response.status_code == 200
    assert "at least one active admin" in response.content.decode()
    admin.membership.refresh_from_db()
    assert admin.membership.is_admin


def test_reviewer_role_of_another_institution_is_not_offered(admin, employee, other_org):
    from tests.factories import ReviewerRoleFactory

    foreign = ReviewerRoleFactory(organization=other_org, name="Foreign")
    url = reverse("accounts:person", args=[employee.membership.pk])
    response = admin.client().post(url, {"reviewer_roles": [foreign.pk]})
    assert response.status_code == 200
    assert employee.membership.reviewer_roles.count() == 0


def test_invite_sends_email_and_creates_membership(
    admin, nursing, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.client().post(
            reverse("accounts:invite"),
            {
                "email": "New.Nurse@Riverside.test",
                "full_name": "New Nurse",
                "staff_group": nursing.pk,
            },
        )
    assert response.status_code == 302
    m = Membership.objects.get(user__email="new.nurse@riverside.test")
    assert m.staff_group == nursing and m.organization == admin.org
    assert len(mailoutbox) == 1 and "/password-reset/" in mailoutbox[0].body
    assert AuditEvent.objects.filter(action="accounts.person.invited").exists()


def test_invite_with_bad_email_keeps_typing(admin):
    response = admin.client().post(
        reverse("accounts:invite"), {"email": "not-an-email", "full_name": "Kept Name"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kept Name" in html and "not-an-email" in html
    assert "valid email" in html.lower()


def test_invite_existing_member_is_refused(admin, employee):
    response = admin.client().post(
        reverse("accounts:invite"), {"email": employee.email, "full_name": "Again"}
    )
    assert "already a member" in response.content.decode()


def test_deactivate_keeps_the_person_and_blocks_access(admin, employee):
    client = admin.client()
    url = reverse("accounts:person_active", args=[employee.membership.pk])
    assert client.post(url, {"active": "0"}).status_code == 302
    employee.membership.refresh_from_db()
    assert not employee.membership.is_active and employee.membership.deactivated_at
    # Signed out at once: the next page asks them to sign in (and sign-in refuses them).
    blocked = employee.client().get(reverse("home"))
    assert blocked.status_code == 302 and reverse("accounts:login") in blocked["Location"]
    client.post(url, {"active": "1"})
    employee.membership.refresh_from_db()
    assert employee.membership.is_active


def test_employee_cannot_deactivate(employee, author):
    url = reverse("accounts:person_active", args=[author.membership.pk])
    assert employee.client().post(url, {"active": "0"}).status_code == 403


def test_groups_page_adds_group_and_refuses_duplicate(admin, nursing):
    client = admin.client()
    assert (
        client.post(reverse("accounts:groups"), {"add_group": "1", "group-name": "ICU"}).status_code
        == 302
    )
    response = client.post(reverse("accounts:groups"), {"add_group": "1", "group-name": "nursing"})
    assert "already exists" in response.content.decode()


def test_person_page_offers_two_factor_reset(admin, employee):
    html = admin.client().get(reverse("accounts:person", args=[employee.membership.pk])).content
    assert reverse("accounts:two_factor_reset", args=[employee.membership.pk]).encode() in html


def test_deactivation_ends_a_session_already_open(admin, employee):
    """Deactivated from that moment: a session opened before is signed out at its next page."""
    signed_in = employee.client()
    assert signed_in.get(reverse("accounts:two_factor")).status_code == 200
    url = reverse("accounts:person_active", args=[employee.membership.pk])
    assert admin.client().post(url, {"active": "0"}).status_code == 302
    after = signed_in.get(reverse("accounts:two_factor"))
    assert after.status_code == 302 and reverse("accounts:login") in after["Location"]
    assert "_auth_user_id" not in signed_in.session
