from django.urls import reverse

from .conftest import sign


def url(publication, number):
    g = publication.guideline
    return reverse("publishing:version", args=[g.organization.slug, g.slug, number])


def test_superseded_version_stays_readable_and_says_so(
    published, make_version, do_publish, legal, employee
):
    v2 = make_version(2)
    sign(v2, legal)
    do_publish(v2)
    response = employee.client().get(url(published, 1))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Superseded" in html and "Read version 2, the one in force" in html
    assert "Acknowledge this version" not in html


def test_unpublished_number_is_404(published, employee):
    assert employee.client().get(url(published, 7)).status_code == 404


def test_anonymous_is_sent_to_login(client, published):
    assert client.get(url(published, 1)).status_code == 302


def test_other_institution_gets_404(published, outsider):
    assert outsider.client().get(url(published, 1)).status_code == 404
