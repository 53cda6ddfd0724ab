import datetime as dt

from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from guidelines.models import Version
from publishing.models import Campaign, Publication


def url(version):
    return reverse("publishing:publish", args=[version.pk])


def form(**overrides):
    today = timezone.localdate()
    data = {
        "effective_date": today.isoformat(),
        "requires_acknowledgement": "on",
        "due_date": (today + dt.timedelta(days=14)).isoformat(),
        "next_review_date": (today + dt.timedelta(days=365)).isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_publishes_an_approved_version_to_chosen_groups(
    approved, admin, employee, nursing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.client().post(url(approved), form(target_groups=[nursing.pk]))
    assert response.status_code == 302
    publication = Publication.objects.get(version=approved)
    assert list(publication.campaign.target_groups.all()) == [nursing]
    assert publication.campaign.requests.filter(user=employee.user).exists()


def test_form_shows_defaults_and_the_version_in_force(approved, admin):
    html = admin.client().get(url(approved)).content.decode()
    assert "Publish version 1" in html and "Effective date" in html
    assert "Staff must acknowledge this version" in html


def test_past_effective_date_is_refused_and_keeps_the_input(approved, admin):
    past = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    response = admin.client().post(url(approved), form(effective_date=past))
    html = response.content.decode()
    assert response.status_code == 200
    assert "cannot be in the past" in html and past in html
    assert not Publication.objects.exists()


def test_due_date_before_effective_date_is_refused(approved, admin):
    today = timezone.localdate()
    response = admin.client().post(
        url(approved),
        form(
            effective_date=(today + dt.timedelta(days=10)).isoformat(),
            due_date=(today + dt.timedelta(days=2)).isoformat(),
        ),
    )
    assert "before the effective date" in response.content.decode()
    assert not Campaign.objects.exists()


def test_skipping_acknowledgement_needs_a_reason(approved, admin):
    response = admin.client().post(url(approved), form(requires_acknowledgement=None))
    assert "need not acknowledge" in response.content.decode()
    response = admin.client().post(
        url(approved), form(requires_acknowledgement=None, skip_reason="Typo fixed")
    )
    assert response.status_code == 302
    assert Publication.objects.get().skip_reason == "Typo fixed"


def test_version_in_review_cannot_be_published(make_version, admin):
    version = make_version(1, status=Version.Status.IN_REVIEW)
    assert "Cannot publish" in admin.client().get(url(version)).content.decode()
    response = admin.client().post(url(version), form())
    assert "only an approved version" in response.content.decode().lower()
    assert not Publication.objects.exists()


def test_author_may_publish_only_where_the_institution_allows(approved, author, org):
    assert author.client().get(url(approved)).status_code == 403
    Organization.objects.filter(pk=org.pk).update(authors_may_publish=True)
    assert author.client().get(url(approved)).status_code == 200


def test_members_without_the_role_get_403(approved, employee, legal, auditor):
    for persona in (employee, legal, auditor):
        assert persona.client().post(url(approved), form()).status_code == 403
    assert not Publication.objects.exists()


def test_anonymous_is_sent_to_login(client, approved):
    assert client.get(url(approved)).status_code == 302


def test_other_institution_gets_404(approved, outsider):
    assert outsider.client().post(url(approved), form()).status_code == 404
    assert not Publication.objects.exists()
