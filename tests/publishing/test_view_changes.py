import copy

from django.urls import reverse

from tests.factories import starter


def url(g, number):
    return reverse("publishing:changes", args=[g.organization.slug, g.slug, number])


def test_what_changed_shows_the_redline_against_the_previous_version(
    published, make_version, do_publish, employee, org
):
    content = copy.deepcopy(starter(org))
    content["accounts"]["accounts"].append(
        {"platform": "TikTok", "handle": "@RiversideCares", "url": "", "department": "Nursing"}
    )
    do_publish(make_version(2, content=content))
    response = employee.client().get(url(published.guideline, 2))
    html = response.content.decode()
    assert response.status_code == 200
    assert "What changed in version 2" in html and "RiversideCares" in html


def test_first_version_has_nothing_to_compare(published, employee):
    assert employee.client().get(url(published.guideline, 1)).status_code == 404


def test_anonymous_is_sent_to_login(client, published):
    assert client.get(url(published.guideline, 1)).status_code == 302


def test_other_institution_gets_404(published, outsider):
    assert outsider.client().get(url(published.guideline, 1)).status_code == 404
