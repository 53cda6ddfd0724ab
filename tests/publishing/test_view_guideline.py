from django.urls import reverse

from guidelines.models import Guideline


def url(guideline):
    return reverse("publishing:guideline", args=[guideline.organization.slug, guideline.slug])


def test_member_reads_the_version_in_force_with_contents_and_signoffs(published, employee):
    response = employee.client().get(url(published.guideline))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Official accounts and hashtags" in html and "Contents" in html
    assert "Lee Legal" in html and "Approved — Legal review" in html
    assert 'data-testid="version-number">1<' in html
    assert "Acknowledge this version" in html


def test_question_and_answer_layout_titles_sections_as_questions(published, employee):
    html = employee.client().get(url(published.guideline), {"layout": "qa"}).content.decode()
    assert "Which accounts and hashtags are official?" in html


def test_anonymous_is_sent_to_login_for_a_members_only_guideline(client, published):
    response = client.get(url(published.guideline))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_anonymous_cannot_tell_which_members_only_addresses_exist(client, published):
    org, slug = published.guideline.organization.slug, published.guideline.slug
    addresses = {
        "existing": [org, slug],
        "no such guideline": [org, "no-such-guideline"],
        "no such institution": ["no-such-institution", slug],
    }
    for name in ("publishing:guideline", "publishing:archive"):
        answers = set()
        for args in addresses.values():
            response = client.get(reverse(name, args=args))
            location = response["Location"].replace(reverse(name, args=args), "<page>")
            answers.add((response.status_code, location))
        assert answers == {(302, "/accounts/login/?next=<page>")}, name
    for name in ("publishing:version", "publishing:changes", "publishing:pdf"):
        answers = set()
        for args in addresses.values():
            response = client.get(reverse(name, args=[*args, 1]))
            location = response["Location"].replace(reverse(name, args=[*args, 1]), "<page>")
            answers.add((response.status_code, location))
        assert answers == {(302, "/accounts/login/?next=<page>")}, name


def test_signed_in_member_still_gets_404_for_an_address_that_does_not_exist(employee, published):
    org = published.guideline.organization.slug
    response = employee.client().get(reverse("publishing:guideline", args=[org, "nope"]))
    assert response.status_code == 404


def test_public_guideline_is_readable_without_signing_in(client, published):
    Guideline.objects.filter(pk=published.guideline_id).update(is_public=True)
    response = client.get(url(published.guideline))
    assert response.status_code == 200
    assert "Acknowledge this version" not in response.content.decode()


def test_other_institution_gets_404(published, outsider):
    assert outsider.client().get(url(published.guideline)).status_code == 404


def test_no_version_in_force_is_404(guideline, employee):
    assert employee.client().get(url(guideline)).status_code == 404


def test_acknowledged_version_says_when(published, employee):
    from publishing.services import acknowledge

    acknowledge(version=published.version, user=employee.user, confirmed=True)
    html = employee.client().get(url(published.guideline)).content.decode()
    assert "You acknowledged this version on" in html
