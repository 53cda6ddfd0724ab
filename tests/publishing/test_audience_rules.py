"""Audiences as rules over HR attributes: include any of, exclude any of, kept as published."""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.audience import clean_rule
from accounts.models import DirectoryGroup, Membership, StaffGroup
from publishing import cycles
from publishing.models import AckRequest, Campaign
from publishing.targeting import audience, preview_audience
from tests.conftest import make_persona
from tests.publishing.test_view_publish import confirm, form


def _people(org, nursing, pharmacy):
    def person(email, group, **attrs):
        m = make_persona(org, email, email.split("@")[0].title(), group=group).membership
        Membership.objects.filter(pk=m.pk).update(**attrs)
        return m

    return {
        "nurse": person("nurse@riverside.test", nursing, site="North"),
        "volunteer": person("vol@riverside.test", pharmacy, employee_type="volunteer"),
        "agency": person("agency@riverside.test", nursing, employee_type="contractor"),
        "resident": person("res@riverside.test", None, employee_type="trainee", site="South"),
    }


def test_include_any_exclude_any(admin, nursing, pharmacy):
    p = _people(admin.org, nursing, pharmacy)
    agency = DirectoryGroup.objects.create(organization=admin.org, display_name="Agency")
    agency.members.add(p["agency"])
    rule = clean_rule(
        {
            "include": [
                {"field": "employee_type", "values": ["volunteer", "trainee"]},
                {"field": "site", "values": ["North"]},
            ],
            "exclude": [{"field": "site", "values": ["South"]}],
        }
    )
    ids = set(audience(admin.org.pk, None, rule).values_list("pk", flat=True))
    assert ids == {p["nurse"].pk, p["volunteer"].pk}
    # Staff groups are one more include; directory groups can be left out.
    rule = clean_rule({"exclude": [{"field": "directory_group", "values": [agency.pk]}]})
    ids = set(audience(admin.org.pk, [nursing.pk], rule).values_list("pk", flat=True))
    assert p["agency"].pk not in ids and p["nurse"].pk in ids


def test_a_staff_group_defined_by_a_rule(admin, nursing, pharmacy):
    p = _people(admin.org, nursing, pharmacy)
    learners = StaffGroup.objects.create(
        organization=admin.org,
        name="Learners",
        rule={"include": [{"field": "employee_type", "values": ["trainee", "volunteer"]}]},
    )
    ids = set(audience(admin.org.pk, [learners.pk]).values_list("pk", flat=True))
    assert ids == {p["resident"].pk, p["volunteer"].pk}


def test_preview_counts_per_department_and_matches_what_is_asked(
    admin, approved, nursing, pharmacy, django_capture_on_commit_callbacks
):
    _people(admin.org, nursing, pharmacy)
    data = form(include_types=["volunteer", "contractor"], exclude_groups=[pharmacy.pk])
    page = admin.client().post(reverse("publishing:publish", args=[approved.pk]), data)
    shown = page.context["preview"]
    assert shown["total"] == 1 and shown["groups"] == [{"name": "Nursing", "count": 1}]
    assert "leave out" not in shown["rule"] and "not staff group: Pharmacy" in shown["rule"]
    assert "not staff group: Pharmacy" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(admin.client(), approved, data)
    assert response.status_code == 302
    campaign = Campaign.objects.get(version=approved)
    assert campaign.audience_rule["include"] == [
        {"field": "employee_type", "values": ["contractor", "volunteer"]}
    ]
    asked = set(AckRequest.objects.filter(campaign=campaign).values_list("user__email", flat=True))
    assert asked == {"agency@riverside.test"}


def test_preview_takes_two_queries_at_any_size(
    admin, nursing, pharmacy, django_assert_max_num_queries
):
    _people(admin.org, nursing, pharmacy)
    rule = clean_rule({"include": [{"field": "employee_type", "values": ["volunteer"]}]})
    with django_assert_max_num_queries(2):
        result = preview_audience(admin.org.pk, None, rule)
    assert result["total"] == 1


def test_the_yearly_cycle_keeps_the_published_audience_rule(
    admin, approved, nursing, pharmacy, django_capture_on_commit_callbacks
):
    p = _people(admin.org, nursing, pharmacy)
    data = form(include_types=["volunteer", "contractor"], exclude_groups=[pharmacy.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm(admin.client(), approved, data).status_code == 302
    published = Campaign.objects.get(version=approved)
    # Over the year a new contractor joins Nursing; the agency worker moves to Pharmacy.
    joiner = make_persona(admin.org, "new.agency@riverside.test", "New Agency", group=nursing)
    Membership.objects.filter(pk=joiner.membership.pk).update(employee_type="contractor")
    Membership.objects.filter(pk=p["agency"].pk).update(staff_group=pharmacy)
    later = timezone.now() + dt.timedelta(days=366)
    with (
        time_machine.travel(later, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert cycles.open_due_cycles(today=timezone.localdate()) == 1
    cycle = Campaign.objects.get(kind=Campaign.Kind.CYCLE)
    assert cycle.audience_rule == published.audience_rule
    asked = set(AckRequest.objects.filter(campaign=cycle).values_list("user__email", flat=True))
    assert asked == {"new.agency@riverside.test"}
