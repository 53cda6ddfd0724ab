import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization
from guidelines.models import Version
from publishing.models import Campaign, Publication
from tests.factories import MembershipFactory
from tests.publishing.conftest import sign


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


def confirm(client, version, data):
    """The two steps: preview who will be asked, then confirm what was seen."""
    preview = client.post(url(version), data)
    assert preview.status_code == 200
    seen = preview.context["seen"]
    return client.post(url(version), {**data, "step": "confirm", "seen": seen})


def test_admin_publishes_an_approved_version_to_chosen_groups(
    approved, admin, employee, nursing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(admin.client(), approved, form(target_groups=[nursing.pk]))
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


def test_a_date_refusal_shows_beside_its_field_not_at_the_top(approved, admin):
    today = timezone.localdate()
    response = admin.client().post(
        url(approved),
        form(
            effective_date=(today + dt.timedelta(days=10)).isoformat(),
            due_date=(today + dt.timedelta(days=2)).isoformat(),
        ),
    )
    assert response.context["form"].errors == {
        "due_date": ["The acknowledgement due date cannot be before the effective date."]
    }
    html = response.content.decode()
    field = html[html.index('id="div_id_due_date"') :]
    field = field[: field.index('id="div_id_next_review_date"')]
    assert "before the effective date" in field and "is-invalid" in field
    assert 'aria-invalid="true"' in field
    described = re.search(r'aria-describedby="([^"]+)"', field)
    assert described and all(f'id="{i}"' in field for i in described[1].split())
    assert 'class="alert alert-danger"' not in html  # no top alert for a field's problem


def test_skipping_acknowledgement_needs_a_reason(approved, admin):
    response = admin.client().post(url(approved), form(requires_acknowledgement=None))
    assert "need not acknowledge" in response.content.decode()
    response = admin.client().post(
        url(approved), form(requires_acknowledgement=None, skip_reason="Typo fixed")
    )
    assert "Nobody will be asked to acknowledge" in response.content.decode()
    assert "Publish without asking anyone" in response.content.decode()
    response = confirm(
        admin.client(), approved, form(requires_acknowledgement=None, skip_reason="Typo fixed")
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


def test_preview_counts_each_group_and_names_a_few_before_anything_is_sent(
    approved, admin, employee, nursing, pharmacy, org, mailoutbox
):
    MembershipFactory.create_batch(2, organization=org, staff_group=pharmacy)
    mailoutbox.clear()
    response = admin.client().post(url(approved), form(target_groups=[nursing.pk, pharmacy.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["preview"]["groups"] == [
        {"name": "Nursing", "count": 1},
        {"name": "Pharmacy", "count": 2},
    ]
    assert "3 people</strong> will be asked" in html and "everyone in Nursing, Pharmacy" in html
    assert "Emma Employee" in html
    assert "Publish and ask 3 people" in html
    assert "by " in html and "e-mail" in html  # what happens next
    assert not Publication.objects.exists() and mailoutbox == []


def test_leaving_every_group_unticked_says_everyone_in_the_institution(approved, admin, employee):
    everyone = Membership.objects.filter(organization=approved.guideline.organization).count()
    html = admin.client().get(url(approved)).content.decode()
    assert f"everyone in the institution ({everyone} people)" in html
    html = admin.client().post(url(approved), form()).content.decode()
    assert f"Publish and ask {everyone} people" in html
    assert "everyone in the institution (no staff group was ticked)" in html


def test_the_guidelines_own_audience_is_shown_beside_the_groups(
    make_version, legal, compliance, admin
):
    version = make_version(1, content={"scope": {"audience": ["Volunteers", "Students"]}})
    sign(version, legal, compliance)
    html = admin.client().get(url(version)).content.decode()
    assert "Who the guideline says it applies to" in html
    assert "<li>Volunteers</li>" in html and "<li>Students</li>" in html
    html = admin.client().post(url(version), form()).content.decode()
    assert "The guideline says it applies to: Volunteers, Students." in html


def test_a_change_in_the_audience_between_preview_and_confirm_is_shown_not_published(
    approved, admin, employee, nursing, org
):
    client = admin.client()
    data = form(target_groups=[nursing.pk])
    seen = client.post(url(approved), data).context["seen"]
    MembershipFactory(organization=org, staff_group=nursing)  # joins meanwhile
    response = client.post(url(approved), {**data, "step": "confirm", "seen": seen})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The audience changed since you looked" in html
    assert "it was 1 person, it is now 2 people" in html
    assert "Publish and ask 2 people" in html
    assert not Publication.objects.exists()
    response = client.post(
        url(approved), {**data, "step": "confirm", "seen": response.context["seen"]}
    )
    assert response.status_code == 302 and Publication.objects.exists()


def test_change_choices_goes_back_to_the_form_keeping_what_was_typed(approved, admin, nursing):
    data = form(target_groups=[nursing.pk], next_review_date="2031-03-04")
    response = admin.client().post(url(approved), {**data, "step": "edit"})
    html = response.content.decode()
    assert "Check who will be asked" in html and "2031-03-04" in html
    assert response.context["form"]["target_groups"].value() == [str(nursing.pk)]
    assert not Publication.objects.exists()


def test_preview_query_count_does_not_grow_with_the_institution(
    approved, admin, org, nursing, django_assert_max_num_queries
):
    client = admin.client()
    client.get(url(approved))  # warm the session
    for size in (3, 300):
        MembershipFactory.create_batch(size, organization=org, staff_group=nursing)
        # One query per choice list of the form (groups, HR rule choices): a fixed number.
        with django_assert_max_num_queries(18):
            response = client.post(url(approved), form())
        assert response.status_code == 200 and "Publish and ask" in response.content.decode()
        with django_assert_max_num_queries(18):
            response = client.get(url(approved))
        assert response.status_code == 200 and "everyone in the institution" in (
            response.content.decode()
        )
