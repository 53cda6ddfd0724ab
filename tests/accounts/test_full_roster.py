"""The HR file's full roster: adds, updates, deactivates the missing, with a safety stop."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import ImportJob, Membership
from accounts.staff_import import (
    create_import_job,
    dry_run,
    import_staff,
    run_import_job,
)
from audit.models import AuditEvent
from audit.verify import verify_chain
from tests.conftest import make_persona


def _roster(*people: tuple[str, str, str]) -> bytes:
    lines = ["email,name,department,job title"]
    lines += [f"{email},{name},{dept},Staff" for email, name, dept in people]
    return ("\n".join(lines) + "\n").encode()


def _staff(org, n):
    return [make_persona(org, f"s{i}@riverside.test", f"Staff {i}").membership for i in range(n)]


def test_full_roster_adds_updates_and_deactivates_the_missing(admin, nursing, pharmacy):
    staff = _staff(admin.org, 12)
    keep = [(m.user.email, m.user.full_name, "Nursing") for m in staff[1:]]
    raw = _roster((admin.email, "Ada Admin", "Nursing"), *keep, ("new@riverside.test", "New", ""))
    result = import_staff(organization=admin.org, imported_by=admin.user, raw=raw, full_roster=True)
    assert result.ok, result.errors
    job = result.job
    assert job is not None and job.deactivated_count == 1 and job.created_count == 1
    staff[0].refresh_from_db()
    assert not staff[0].is_active and staff[0].deactivated_at is not None
    assert Membership.objects.get(user__email="new@riverside.test").is_active
    events = AuditEvent.objects.filter(action__startswith="accounts.directory.person")
    assert events.filter(action="accounts.directory.person_deactivated").count() == 1
    assert events.filter(action="accounts.directory.person_added").count() == 1
    # Eleven moved into Nursing and the admin got a new title: one event each, naming the file.
    updated = events.filter(action="accounts.directory.person_updated")
    assert updated.count() == 12
    assert all(e.details["source"] == "HR file" for e in events)
    moved = updated.get(object_id=str(staff[1].pk))
    assert moved.details["changes"]["department"] == ["", "Nursing"]
    assert verify_chain(admin.org.pk) is None


def test_admins_missing_from_the_roster_are_kept(admin, nursing):
    staff = _staff(admin.org, 20)
    raw = _roster(*[(m.user.email, m.user.full_name, "") for m in staff])
    result = import_staff(organization=admin.org, imported_by=admin.user, raw=raw, full_roster=True)
    assert result.ok
    admin.membership.refresh_from_db()
    assert admin.membership.is_active


def test_safety_stop_refuses_to_deactivate_too_many_unless_confirmed(admin, nursing):
    staff = _staff(admin.org, 10)
    raw = _roster(*[(m.user.email, m.user.full_name, "") for m in staff[:5]])
    refused = import_staff(
        organization=admin.org, imported_by=admin.user, raw=raw, full_roster=True
    )
    assert not refused.ok and "would deactivate 5 of 11" in refused.errors[0][1]
    assert Membership.objects.filter(organization=admin.org, is_active=True).count() == 11
    assert not ImportJob.objects.exists()
    confirmed = import_staff(
        organization=admin.org,
        imported_by=admin.user,
        raw=raw,
        full_roster=True,
        confirm_leavers=True,
    )
    assert confirmed.ok and confirmed.job is not None and confirmed.job.deactivated_count == 5


def test_a_roster_without_full_mode_deactivates_nobody(admin, nursing):
    staff = _staff(admin.org, 3)
    raw = _roster((staff[0].user.email, "S", ""))
    assert import_staff(organization=admin.org, imported_by=admin.user, raw=raw).ok
    assert Membership.objects.filter(organization=admin.org, is_active=True).count() == 4


def test_dry_run_shows_what_would_change_and_saves_nothing(admin, nursing):
    staff = _staff(admin.org, 30)
    rows = [(m.user.email, m.user.full_name, "") for m in staff[1:]]
    rows.append(("new@riverside.test", "New Person", "Nursing"))
    page = admin.client().post(
        reverse("accounts:import_people"),
        {"file": _file(_roster(*rows)), "full_roster": "on", "dry_run": "on"},
    )
    text = page.content.decode()
    assert "Dry run: nothing was saved" in text
    assert "1 would be added" in text and "1 would be deactivated" in text
    assert "s0@riverside.test" in text
    assert not ImportJob.objects.exists()
    assert not Membership.objects.filter(user__email="new@riverside.test").exists()
    assert not AuditEvent.objects.filter(action__startswith="accounts.directory").exists()


def test_the_import_page_refuses_a_roster_that_would_empty_the_institution(admin, nursing):
    _staff(admin.org, 10)
    page = admin.client().post(
        reverse("accounts:import_people"),
        {"file": _file(_roster(("only@riverside.test", "Only", ""))), "full_roster": "on"},
    )
    assert "would deactivate 10 of 11" in page.content.decode()
    assert Membership.objects.filter(organization=admin.org, is_active=True).count() == 11


def test_a_stopped_roster_resumes_without_doing_anything_twice(admin, nursing, monkeypatch):
    monkeypatch.setattr("accounts.staff_import.MEMBER_BATCH", 5)
    monkeypatch.setattr("accounts.staff_import.FOLLOW_UP_BATCH", 5)
    staff = _staff(admin.org, 24)
    rows = [(m.user.email, m.user.full_name, "Nursing") for m in staff[2:]]
    rows += [(f"n{i}@riverside.test", f"N {i}", "") for i in range(7)]
    result_job = import_staff(
        organization=admin.org,
        imported_by=admin.user,
        raw=_roster((admin.email, "Ada", ""), *rows),
        full_roster=True,
    ).job
    assert result_job is not None
    # A second, stopped run of another roster, resumed.
    job, _ = create_import_job(
        organization=admin.org,
        imported_by=admin.user,
        raw=_roster((admin.email, "Ada", ""), *rows[:-3]),
        full_roster=True,
    )
    assert job is not None
    run_import_job(job_id=job.pk, stop_after_batches=3)
    finished = run_import_job(job_id=job.pk)
    assert finished.status == ImportJob.Status.DONE and finished.deactivated_count == 3
    assert (
        AuditEvent.objects.filter(action="accounts.directory.person_deactivated").count() == 2 + 3
    )


def _file(raw: bytes):
    return SimpleUploadedFile("roster.csv", raw, content_type="text/csv")


def test_a_changed_address_with_the_same_employee_id_updates_the_person(admin, nursing):
    staff = _staff(admin.org, 4)
    for i, m in enumerate(staff):
        Membership.objects.filter(pk=m.pk).update(external_id=f"E{i}")
    lines = ["email,name,department,employee id", f"{admin.email},Ada Admin,,"]
    for i, m in enumerate(staff):
        email = "married.name@riverside.test" if i == 0 else m.user.email
        lines.append(f"{email},{m.user.full_name},,E{i}")
    raw = ("\n".join(lines) + "\n").encode()
    plan, errors = dry_run(organization=admin.org, imported_by=admin.user, raw=raw)
    assert not errors and plan is not None  # one changed, nobody new or leaving
    assert (plan.leaving, plan.new, plan.changed) == (0, 0, 1)
    job, errors = create_import_job(
        organization=admin.org, imported_by=admin.user, raw=raw, full_roster=True
    )
    assert job is not None and not errors
    job = run_import_job(job_id=job.pk)
    assert job.deactivated_count == 0 and job.created_count == 0
    staff[0].refresh_from_db()
    assert staff[0].is_active and staff[0].user.email == "married.name@riverside.test"
    event = AuditEvent.objects.get(action="accounts.directory.email_changed")
    assert event.object_id == str(staff[0].pk) and event.details["source"] == "HR file"
    assert event.details["changes"]["email"] == [
        "s0@riverside.test",
        "married.name@riverside.test",
    ]
    assert verify_chain(admin.org.pk) is None
