"""HR attributes on a person's membership: site, employee type, manager and employee id."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import EmployeeType, ImportJob, Membership
from accounts.services import HRAttributes, PeopleError, update_membership
from accounts.staff_import import import_staff
from audit.models import AuditEvent
from tests.conftest import make_persona


def _save(admin, membership, **hr):
    return update_membership(
        membership=membership,
        changed_by=admin.user,
        is_admin=membership.is_admin,
        is_author=membership.is_author,
        is_auditor=membership.is_auditor,
        reviewer_roles=[],
        staff_group=membership.staff_group,
        job_title=membership.job_title,
        hr=HRAttributes(**hr),
    )


def test_admin_sets_site_type_manager_and_employee_id(admin, employee):
    saved = _save(
        admin,
        employee.membership,
        site="North campus",
        employee_type=EmployeeType.VOLUNTEER,
        manager=admin.membership,
        external_id="E100",
    )
    assert (saved.site, saved.employee_type, saved.manager, saved.external_id) == (
        "North campus",
        "volunteer",
        admin.membership,
        "E100",
    )
    event = AuditEvent.objects.get(action="accounts.roles.changed")
    assert event.details["after"]["manager"] == admin.email


def test_manager_from_another_institution_is_refused(admin, employee, outsider):
    with pytest.raises(PeopleError, match="same institution"):
        _save(admin, employee.membership, manager=outsider.membership)


def test_reporting_loops_are_refused(admin, employee):
    _save(admin, employee.membership, manager=admin.membership)
    with pytest.raises(PeopleError, match="reports"):
        _save(admin, admin.membership, manager=employee.membership)
    with pytest.raises(PeopleError, match="own manager"):
        _save(admin, admin.membership, manager=admin.membership)


def test_employee_id_is_unique_within_an_institution_only(admin, employee, outsider):
    _save(admin, employee.membership, external_id="E1")
    with pytest.raises(PeopleError, match="already belongs"):
        _save(admin, admin.membership, external_id="E1")
    _save(outsider, outsider.membership, external_id="E1")  # another institution may reuse it
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=admin.membership.pk).update(external_id="E1")


def test_person_page_edits_hr_attributes(admin, employee):
    url = reverse("accounts:person", args=[employee.membership.pk])
    client = admin.client()
    assert "Manager&#x27;s e-mail" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "staff_group": employee.membership.staff_group_id,
            "job_title": "Nurse",
            "site": "Lakeside clinic",
            "employee_type": "contractor",
            "manager_email": admin.email.upper(),
            "external_id": " 42 ",
        },
    )
    assert response.status_code == 302
    employee.membership.refresh_from_db()
    assert employee.membership.site == "Lakeside clinic"
    assert employee.membership.employee_type == "contractor"
    assert employee.membership.manager == admin.membership
    assert employee.membership.external_id == "42"


def test_person_page_refuses_an_unknown_manager(admin, employee, outsider):
    url = reverse("accounts:person", args=[employee.membership.pk])
    response = admin.client().post(
        url, {"employee_type": "employee", "manager_email": outsider.email}
    )
    assert response.status_code == 200
    assert "Nobody with the address" in response.content.decode()


ROSTER = (
    "email,name,department,job title,site,employee type,manager,employee id\n"
    "ana@riverside.test,Ana Lima,Nursing,Nurse,North,Employee,E3,E1\n"
    "bo@riverside.test,Bo Chen,Pharmacy,Pharmacist,South,resident,cy@riverside.test,E2\n"
    "cy@riverside.test,Cy Dorn,,Director,North,Physician with privileges,,E3\n"
)


def test_import_reads_hr_columns_and_managers_later_in_the_file(admin, nursing, pharmacy):
    result = import_staff(organization=admin.org, imported_by=admin.user, raw=ROSTER.encode())
    assert result.ok, result.errors
    people = {m.user.email: m for m in Membership.objects.filter(organization=admin.org)}
    ana, bo, cy = (people[f"{n}@riverside.test"] for n in ("ana", "bo", "cy"))
    assert (ana.site, ana.employee_type, ana.external_id, ana.manager) == (
        "North",
        "employee",
        "E1",
        cy,
    )
    assert (bo.employee_type, bo.manager) == ("trainee", cy)
    assert cy.employee_type == "physician" and cy.manager is None
    assert result.job is not None and result.job.status == ImportJob.Status.DONE
    again = import_staff(organization=admin.org, imported_by=admin.user, raw=ROSTER.encode())
    assert again.updated == 0 and again.unchanged == 3


def test_a_file_without_hr_columns_keeps_what_is_held(admin, nursing, pharmacy):
    import_staff(organization=admin.org, imported_by=admin.user, raw=ROSTER.encode())
    plain = "email,name,staff group,job title\nana@riverside.test,Ana Lima,Nursing,Nurse\n"
    import_staff(organization=admin.org, imported_by=admin.user, raw=plain.encode())
    ana = Membership.objects.get(user__email="ana@riverside.test")
    assert ana.manager is not None
    assert (ana.site, ana.external_id, ana.manager.user.email) == (
        "North",
        "E1",
        "cy@riverside.test",
    )


def test_bad_hr_values_are_row_errors(admin, nursing):
    held = make_persona(admin.org, "held@riverside.test", "Held").membership
    Membership.objects.filter(pk=held.pk).update(external_id="X9")
    make_persona(admin.org, "c@riverside.test", "C")  # so held's address cannot become c's
    bad = (
        "email,name,employee type,manager,employee id\n"
        "a@riverside.test,A,astronaut,,A1\n"
        "b@riverside.test,B,,nobody@riverside.test,A1\n"
        "c@riverside.test,C,,d@riverside.test,X9\n"
        "d@riverside.test,D,,c@riverside.test,D1\n"
        "e@riverside.test,E,,e@riverside.test,\n"
    )
    result = import_staff(organization=admin.org, imported_by=admin.user, raw=bad.encode())
    text = {line: msg for line, msg in result.errors}
    assert "Unknown employee type 'astronaut'" in text[2]
    assert any("appears twice" in m for line, m in result.errors if line == 3)
    assert any("neither in the file" in m for line, m in result.errors if line == 3)
    assert any(
        "belongs to held@riverside.test" in m and "already someone's account" in m
        for _, m in result.errors
    )
    assert any("circle" in m for _, m in result.errors)
    assert "own manager" in text[6]
    assert not Membership.objects.filter(user__email="a@riverside.test").exists()
