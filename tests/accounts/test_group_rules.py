"""Admins define a staff group by a rule over HR attributes on the groups page."""

from django.urls import reverse

from accounts.models import Membership, StaffGroup
from audit.models import AuditEvent
from publishing.targeting import audience
from tests.conftest import make_persona


def _people(org, nursing):
    def person(email, **attrs):
        m = make_persona(org, email, email.split("@")[0].title()).membership
        Membership.objects.filter(pk=m.pk).update(**attrs)
        return m

    return {
        "nurse": person("nurse@riverside.test", staff_group=nursing),
        "north": person("north@riverside.test", site="North"),
        "locum": person("locum@riverside.test", site="North", employee_type="contractor"),
        "porter": person("porter@riverside.test", job_title="Porter"),
    }


def test_admin_previews_then_saves_a_rule_and_it_is_audited(admin, nursing):
    p = _people(admin.org, nursing)
    learners = StaffGroup.objects.create(organization=admin.org, name="Clinical")
    url = reverse("accounts:group_rule", args=[learners.pk])
    client = admin.client()
    assert "Define by a rule" in client.get(reverse("accounts:groups")).content.decode()
    data = {"departments": [nursing.pk], "sites": "North", "exclude_types": ["contractor"]}
    preview = client.post(url, {**data, "preview": "1"})
    assert preview.status_code == 200
    assert preview.context["preview"]["count"] == 2  # the nurse and North, not the locum
    assert StaffGroup.objects.get(pk=learners.pk).rule is None  # a preview saves nothing
    assert client.post(url, {**data, "save": "1"}).status_code == 302
    learners.refresh_from_db()
    assert learners.rule == {
        "include": [
            {"field": "department", "values": [nursing.pk]},
            {"field": "site", "values": ["North"]},
        ],
        "exclude": [{"field": "employee_type", "values": ["contractor"]}],
    }
    ids = set(audience(admin.org.pk, [learners.pk]).values_list("pk", flat=True))
    assert ids == {p["nurse"].pk, p["north"].pk}
    event = AuditEvent.objects.get(action="accounts.staff_group.rule_changed")
    assert event.details["before"] is None and event.details["after"] == learners.rule
    assert "site: North" in event.details["described"]
    # Saving the same rule again changes nothing and records nothing.
    client.post(url, {**data, "save": "1"})
    assert AuditEvent.objects.filter(action="accounts.staff_group.rule_changed").count() == 1
    # Removing it is recorded too.
    client.post(url, {"clear": "1"})
    learners.refresh_from_db()
    assert learners.rule is None
    assert AuditEvent.objects.filter(action="accounts.staff_group.rule_changed").count() == 2


def test_a_rule_that_only_leaves_people_out_is_refused(admin, nursing):
    group = StaffGroup.objects.create(organization=admin.org, name="Everyone but agency")
    url = reverse("accounts:group_rule", args=[group.pk])
    response = admin.client().post(url, {"exclude_types": ["contractor"], "save": "1"})
    assert response.status_code == 400
    assert "at least one department" in response.content.decode()
    too_many = ", ".join(f"Site {i}" for i in range(60))
    response = admin.client().post(url, {"sites": too_many, "save": "1"})
    assert response.status_code == 400 and "At most 50 sites" in response.content.decode()
    assert StaffGroup.objects.get(pk=group.pk).rule is None


def test_another_institutions_group_is_not_found(admin, other_org):
    theirs = StaffGroup.objects.create(organization=other_org, name="Theirs")
    url = reverse("accounts:group_rule", args=[theirs.pk])
    assert admin.client().get(url).status_code == 404
