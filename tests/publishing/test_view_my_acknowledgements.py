from django.urls import reverse

from publishing.services import acknowledge

URL = reverse("publishing:my_acknowledgements")


def test_employee_sees_pending_then_history(published, employee):
    client = employee.client()
    html = client.get(URL).content.decode()
    assert "Read and acknowledge" in html and "You have not acknowledged anything yet" in html
    acknowledge(version=published.version, user=employee.user, confirmed=True)
    html = client.get(URL).content.decode()
    assert "you are up to date" in html
    assert "Acknowledged " in html and f"{published.guideline.title}, version 1</a>" in html
    assert published.version.content_hash[:16] not in html  # staff read text, not hashes


def test_home_page_shows_guidelines_to_acknowledge(published, employee):
    html = employee.client().get(reverse("home")).content.decode()
    assert "Guidelines to acknowledge" in html and "Read and acknowledge" in html


def test_anonymous_is_sent_to_login(client, db):
    assert client.get(URL).status_code == 302


def test_history_is_per_institution(published, employee, outsider):
    acknowledge(version=published.version, user=employee.user, confirmed=True)
    html = outsider.client().get(URL).content.decode()
    assert "Acknowledged " not in html and published.guideline.title not in html
