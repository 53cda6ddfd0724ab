"""Imported staff are asked to acknowledge what is in force: exactly once, even when the
import job is stopped half-way (a killed worker, a crash) and run again."""

import io

import pytest
from django.core import mail

from accounts.models import ImportJob, Invitation, Membership, Notification
from accounts.staff_import import create_import_job, import_staff, run_import_job
from publishing import targeting
from publishing.models import AckRequest

PEOPLE = 450


def staff_file(count: int = PEOPLE) -> bytes:
    rows = "".join(f"n{i}@riverside.test,Nurse {i},Nursing,Nurse\n" for i in range(count))
    return ("email,name,staff group,job title\n" + rows).encode()


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 100, so that a few hundred people make several of each."""
    monkeypatch.setattr("accounts.staff_import.MEMBER_BATCH", 100)
    monkeypatch.setattr("accounts.staff_import.FOLLOW_UP_BATCH", 100)


def assert_everyone_asked_exactly_once(campaign, admin):
    imported = Membership.objects.filter(organization=admin.org, user__email__startswith="n")
    assert imported.count() == PEOPLE
    requests = AckRequest.objects.filter(campaign=campaign, membership__in=imported)
    assert requests.count() == PEOPLE  # the unique constraint forbids more than one each
    told = Notification.objects.filter(
        user__email__startswith="n", message__startswith="Please read and acknowledge"
    )
    assert told.count() == PEOPLE
    assert len({n.user_id for n in told}) == PEOPLE
    asked_by_mail = [m.to[0] for m in mail.outbox if "acknowledge" in m.subject.lower()]
    assert sorted(asked_by_mail) == sorted(f"n{i}@riverside.test" for i in range(PEOPLE))


def test_a_job_killed_half_way_and_run_again_asks_everyone_exactly_once(
    published, admin, small_batches, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    job, _ = create_import_job(organization=admin.org, imported_by=admin.user, raw=staff_file())
    assert job is not None
    with django_capture_on_commit_callbacks(execute=True):
        # 5 batches of people, then 2 of 5 batches of requests: the worker dies there.
        run_import_job(job_id=job.pk, stop_after_batches=7)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING and job.phase == ImportJob.Phase.CAMPAIGNS
    assert job.campaigns_done == 200
    assert AckRequest.objects.filter(membership_id__in=job.joined_ids).count() == 200

    with django_capture_on_commit_callbacks(execute=True):
        job = run_import_job(job_id=job.pk)
    assert job.status == ImportJob.Status.DONE and job.created_count == PEOPLE
    assert_everyone_asked_exactly_once(published.campaign, admin)

    with django_capture_on_commit_callbacks(execute=True):
        run_import_job(job_id=job.pk)  # a stray third run changes nothing
    assert_everyone_asked_exactly_once(published.campaign, admin)


def test_a_crash_inside_a_batch_undoes_that_batch_and_a_rerun_completes_it(
    published, admin, small_batches, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    real = targeting.add_late_joiners
    calls = []

    def crash_on_third_batch(**kwargs):
        created = real(**kwargs)  # the requests of this batch are written...
        calls.append(created)
        if len(calls) == 3:
            raise ConnectionError("database went away")  # ...and then the process dies
        return created

    monkeypatch.setattr(targeting, "add_late_joiners", crash_on_third_batch)
    job, _ = create_import_job(organization=admin.org, imported_by=admin.user, raw=staff_file())
    assert job is not None
    with django_capture_on_commit_callbacks(execute=True):
        job = run_import_job(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED and "Resume" in job.error
    # The third batch rolled back with its bookmark: two batches' requests stand.
    assert AckRequest.objects.filter(membership_id__in=job.joined_ids).count() == 200
    assert len([m for m in mailoutbox if "acknowledge" in m.subject.lower()]) == 200

    monkeypatch.setattr(targeting, "add_late_joiners", real)
    with django_capture_on_commit_callbacks(execute=True):
        job = run_import_job(job_id=job.pk)
    assert job.status == ImportJob.Status.DONE
    assert_everyone_asked_exactly_once(published.campaign, admin)


def test_a_crash_while_adding_people_loses_nothing_and_doubles_nothing(
    published, admin, small_batches, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    from accounts import staff_import

    mailoutbox.clear()
    real = staff_import._members_batch
    calls = []

    def crash_on_third_batch(job, rows, groups):
        real(job, rows, groups)
        calls.append(1)
        if len(calls) == 3:
            raise ConnectionError("worker killed")

    monkeypatch.setattr(staff_import, "_members_batch", crash_on_third_batch)
    job, _ = create_import_job(organization=admin.org, imported_by=admin.user, raw=staff_file())
    assert job is not None
    job = run_import_job(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED and job.rows_done == 200
    assert Membership.objects.filter(user__email__startswith="n").count() == 200

    monkeypatch.setattr(staff_import, "_members_batch", real)
    with django_capture_on_commit_callbacks(execute=True):
        job = run_import_job(job_id=job.pk)
    assert (job.status, job.created_count, job.unchanged_count) == ("done", PEOPLE, 0)
    assert_everyone_asked_exactly_once(published.campaign, admin)


def test_invitations_survive_a_stop_too_each_person_invited_once(
    published, admin, small_batches, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    job, _ = create_import_job(
        organization=admin.org, imported_by=admin.user, raw=staff_file(), invite=True
    )
    assert job is not None
    with django_capture_on_commit_callbacks(execute=True):
        run_import_job(job_id=job.pk, stop_after_batches=7)  # people, then 2 of 5 invitations
    assert Invitation.objects.filter(batch_key=f"import-{job.pk}").count() == 200
    with django_capture_on_commit_callbacks(execute=True):
        job = run_import_job(job_id=job.pk)
    assert job.invitations_sent == PEOPLE
    assert Invitation.objects.filter(batch_key=f"import-{job.pk}").count() == PEOPLE
    invited = [m.to[0] for m in mailoutbox if m.subject.startswith("You are invited")]
    assert sorted(invited) == sorted(f"n{i}@riverside.test" for i in range(PEOPLE))
    assert_everyone_asked_exactly_once(published.campaign, admin)


def test_people_already_asked_are_not_asked_again_by_a_reimport(
    published, admin, employee, django_capture_on_commit_callbacks
):
    raw = f"email,name,staff group\n{employee.email},Emma Employee,Nursing\n".encode()
    before = AckRequest.objects.filter(campaign=published.campaign).count()
    with django_capture_on_commit_callbacks(execute=True):
        result = import_staff(organization=admin.org, imported_by=admin.user, raw=raw)
    assert result.unchanged == 1 and result.membership_ids == []
    assert AckRequest.objects.filter(campaign=published.campaign).count() == before


def test_a_reactivated_person_is_asked_like_a_new_one(
    published, admin, org, nursing, django_capture_on_commit_callbacks
):
    # Imported once (no password yet), deactivated, then back in the next file.
    raw = b"email,name,staff group\nback@riverside.test,Bea Back,Nursing\n"
    gone = Membership.objects.get(
        pk=import_staff(organization=admin.org, imported_by=admin.user, raw=raw).membership_ids[0]
    )
    AckRequest.objects.filter(membership=gone).delete()
    Membership.objects.filter(pk=gone.pk).update(is_active=False, deactivated_at=gone.joined_at)
    with django_capture_on_commit_callbacks(execute=True):
        result = import_staff(organization=admin.org, imported_by=admin.user, raw=raw)
    assert result.updated == 1 and result.membership_ids == [gone.pk]
    assert AckRequest.objects.filter(campaign=published.campaign, membership=gone).count() == 1


def test_the_hourly_run_finishes_an_import_whose_worker_died(
    published, admin, small_batches, mailoutbox, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    mailoutbox.clear()
    job, _ = create_import_job(organization=admin.org, imported_by=admin.user, raw=staff_file())
    assert job is not None
    with django_capture_on_commit_callbacks(execute=True):
        run_import_job(job_id=job.pk, stop_after_batches=3)  # the worker is killed: no error
    silent = timezone.now() - dt.timedelta(minutes=11)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=silent)
    fresh, _ = create_import_job(
        organization=admin.org, imported_by=admin.user, raw=b"email,name\nz@riverside.test,Z\n"
    )
    assert fresh is not None
    ImportJob.objects.filter(pk=fresh.pk).update(status=ImportJob.Status.RUNNING)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert_everyone_asked_exactly_once(published.campaign, admin)
    fresh.refresh_from_db()
    assert fresh.status == ImportJob.Status.RUNNING  # still running somewhere: left alone
