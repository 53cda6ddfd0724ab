from django.urls import reverse

from accounts.models import Membership, User
from publishing.targeting import target_campaign


def _add_people(org, n, batch):
    users = User.objects.bulk_create(
        [User(email=f"p{batch}-{i}@riverside.test", full_name=f"P {i}") for i in range(n)]
    )
    Membership.objects.bulk_create([Membership(user=u, organization=org) for u in users])


def test_every_employee_has_the_panel_even_when_up_to_date(employee):
    html = employee.client().get(reverse("home")).content.decode()
    assert "Guidelines to acknowledge" in html and "you are up to date" in html


def test_admin_home_shows_campaign_progress(published, admin):
    html = admin.client().get(reverse("home")).content.decode()
    assert "Acknowledgement campaigns" in html and "0% acknowledged (0 of" in html


def test_employee_does_not_see_campaign_progress(published, employee):
    assert (
        "Acknowledgement campaigns" not in employee.client().get(reverse("home")).content.decode()
    )


def test_home_query_count_is_bounded(
    published, admin, employee, org, django_assert_max_num_queries
):
    admin_client, employee_client = admin.client(), employee.client()
    for batch in range(2):
        with django_assert_max_num_queries(18):  # with the queue and ready-to-publish panels
            response = admin_client.get(reverse("home"))
        assert response.status_code == 200
        assert "Acknowledgement campaigns" in response.content.decode()
        with django_assert_max_num_queries(12):
            response = employee_client.get(reverse("home"))
        assert response.status_code == 200
        assert "Guidelines to acknowledge" in response.content.decode()
        with django_assert_max_num_queries(12):
            response = employee_client.get(reverse("publishing:my_acknowledgements"))
        assert response.status_code == 200 and "My guidelines" in response.content.decode()
        _add_people(org, 300, batch)
        target_campaign(campaign_id=published.campaign.pk)
