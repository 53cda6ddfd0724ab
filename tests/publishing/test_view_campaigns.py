from django.urls import reverse

URL = reverse("publishing:campaigns")


def test_admin_sees_versions_ready_to_publish_and_published_ones(published, make_version, admin):
    make_version(2)
    html = admin.client().get(URL).content.decode()
    assert "Approved, ready to publish" in html
    assert reverse("publishing:publish", args=[published.version.pk + 1]) in html
    assert reverse("publishing:tracking", args=[published.campaign.pk]) in html


def test_auditor_may_look(published, auditor):
    assert auditor.client().get(URL).status_code == 200


def test_members_without_the_role_get_403(employee, author):
    for persona in (employee, author):
        assert persona.client().get(URL).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    assert client.get(URL).status_code == 302


def test_other_institution_sees_none_of_it(published, outsider):
    html = outsider.client().get(URL).content.decode()
    assert "Social media guidelines" not in html
