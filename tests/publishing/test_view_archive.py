from django.urls import reverse


def url(g):
    return reverse("publishing:archive", args=[g.organization.slug, g.slug])


def test_archive_lists_every_published_version(published, make_version, do_publish, employee):
    do_publish(make_version(2))
    html = employee.client().get(url(published.guideline)).content.decode()
    assert "Version 2" in html and "Version 1" in html
    assert "In force" in html and "Superseded" in html


def test_anonymous_is_sent_to_login(client, published):
    assert client.get(url(published.guideline)).status_code == 302


def test_other_institution_gets_404(published, outsider):
    assert outsider.client().get(url(published.guideline)).status_code == 404
