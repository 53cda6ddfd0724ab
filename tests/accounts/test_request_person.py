"""The signed-in person is read once per request, with everything the pages need, and never
kept from one request to the next: leaving, losing a membership or a role counts at once."""

from __future__ import annotations

from django.urls import reverse

from accounts.middleware import signed_in_person
from accounts.models import Notification
from accounts.notify import About, Work, resolve


def test_a_deactivated_person_is_signed_out_on_the_next_request(employee):
    client = employee.client()
    page = reverse("publishing:my_acknowledgements")
    assert client.get(page).status_code == 200
    employee.user.is_active = False
    employee.user.save(update_fields=["is_active"])
    response = client.get(page)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_removed_membership_counts_on_the_next_request(employee):
    client = employee.client()
    page = reverse("publishing:my_acknowledgements")
    assert client.get(page).status_code == 200
    employee.membership.is_active = False
    employee.membership.save(update_fields=["is_active"])
    response = client.get(page)  # a member nowhere any more: the session ends
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_reviewer_roles_come_with_the_person_and_follow_changes(legal, legal_role):
    client = legal.client()
    inbox = reverse("approvals:inbox")
    assert client.get(inbox).status_code == 200
    legal.membership.reviewer_roles.remove(legal_role)
    assert client.get(inbox).status_code == 403


def test_unread_count_is_read_with_the_person_and_again_after_a_change(employee, org):
    Notification.objects.create(
        user=employee.user, organization=org, message="Read this", work=Work.ACKNOWLEDGE,
        subject="version:1",
    )  # fmt: skip
    client = employee.client()
    page = client.get(reverse("publishing:my_acknowledgements")).content.decode()
    assert '1<span class="visually-hidden"> unread' in page
    resolve(About(Work.ACKNOWLEDGE, "version:1"))
    page = client.get(reverse("publishing:my_acknowledgements")).content.decode()
    assert 'visually-hidden"> unread' not in page


def test_signed_in_page_baseline_is_at_most_three_queries(employee, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        person = signed_in_person(employee.user.pk)
    assert person is not None and person.charter_memberships
    assert person.charter_memberships[0].organization.name
