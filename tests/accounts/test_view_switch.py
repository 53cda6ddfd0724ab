from django.urls import reverse

from tests.factories import MembershipFactory


def test_person_in_two_institutions_switches(employee, other_org):
    MembershipFactory(user=employee.user, organization=other_org)
    client = employee.client()
    client.post(reverse("accounts:switch"), {"organization": employee.org.pk})
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="active-org">Riverside<' in html
    assert "Lakeside" in html  # offered in the switcher
    response = client.post(reverse("accounts:switch"), {"organization": other_org.pk})
    assert response.status_code == 302
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="active-org">Lakeside<' in html


def test_cannot_switch_into_an_institution_you_do_not_belong_to(employee, other_org):
    client = employee.client()
    response = client.post(reverse("accounts:switch"), {"organization": other_org.pk}, follow=True)
    html = response.content.decode()
    assert "not a member of that institution" in html
    assert 'data-testid="active-org">Riverside<' in html


def test_switch_needs_sign_in(client, db):
    assert client.post(reverse("accounts:switch"), {"organization": 1}).status_code == 302
