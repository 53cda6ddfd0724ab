"""The import job page: a large file is applied in the background while the admin watches."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import ImportJob, Membership
from accounts.staff_import import create_import_job, run_import_job

ROWS = "".join(f"p{i}@riverside.test,Person {i},Nursing,Nurse\n" for i in range(30))
FILE = ("email,name,staff group,job title\n" + ROWS).encode()


def upload(raw: bytes = FILE) -> SimpleUploadedFile:
    return SimpleUploadedFile("ward-staff.csv", raw, content_type="text/csv")


def test_a_large_file_runs_in_the_background_and_the_page_follows_it(
    admin, nursing, settings, django_capture_on_commit_callbacks
):
    settings.CHARTER_IMPORT_INLINE_ROWS = 10
    client = admin.client()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("accounts:import_people"), {"file": upload()})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:import_job", args=[job.pk])
    assert len(queued) == 1 and not Membership.objects.filter(user__email="p0@riverside.test")

    page = client.get(response["Location"]).content.decode()
    assert "Waiting to start" in page and "0 of 30 rows" in page
    assert '<progress class="w-100" value="0" max="30"' in page
    assert 'data-hx-trigger="every 3s"' in page  # the page polls while the job runs
    assert "You can leave this page" in page

    queued[0]()  # the worker picks the job up
    fragment = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "Import finished: 30 added" in fragment
    assert "hx-trigger" not in fragment  # finished: polling stops
    assert Membership.objects.filter(organization=admin.org, staff_group=nursing).count() == 30


def test_a_small_file_is_applied_at_once(admin, nursing):
    response = admin.client().post(reverse("accounts:import_people"), {"file": upload()})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:people")
    assert ImportJob.objects.get().status == ImportJob.Status.DONE


def test_a_bad_file_creates_no_job(admin, nursing):
    bad = FILE + b"not-an-address,Someone,Nursing,\n"
    response = admin.client().post(reverse("accounts:import_people"), {"file": upload(bad)})
    assert response.status_code == 200 and "Line 32" in response.content.decode()
    assert not ImportJob.objects.exists() and Membership.objects.count() == 1


def test_a_stopped_job_offers_resume_and_resuming_finishes_it(admin, nursing, monkeypatch):
    monkeypatch.setattr("accounts.staff_import.MEMBER_BATCH", 10)
    job, _ = create_import_job(organization=admin.org, imported_by=admin.user, raw=FILE)
    assert job is not None
    job.status = ImportJob.Status.FAILED
    job.save()
    run_import_job(job_id=job.pk, stop_after_batches=1)  # one batch, then the worker "dies"
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, error="Stopped.")
    client = admin.client()
    page = client.get(reverse("accounts:import_job", args=[job.pk])).content.decode()
    assert "Resume the import" in page and "10 of 30 rows" in page
    response = client.post(reverse("accounts:import_job", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created_count == 30
    assert "Resume the import" not in client.get(response["Location"]).content.decode()


def test_resuming_a_running_job_is_refused(admin, nursing):
    job, _ = create_import_job(organization=admin.org, imported_by=admin.user, raw=FILE)
    assert job is not None
    response = admin.client().post(reverse("accounts:import_job", args=[job.pk]), follow=True)
    assert "nothing to resume" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and job.rows_done == 0


def test_the_job_page_is_for_the_institutions_admins(admin, employee, outsider, client, nursing):
    job, _ = create_import_job(organization=admin.org, imported_by=admin.user, raw=FILE)
    assert job is not None
    url = reverse("accounts:import_job", args=[job.pk])
    assert admin.client().get(url).status_code == 200
    assert employee.client().get(url).status_code == 403
    assert employee.client().post(url).status_code == 403
    assert outsider.client().get(url).status_code == 404
    assert outsider.client().post(url).status_code == 404
    assert client.get(url).status_code == 302  # anonymous: to sign in


def test_recent_imports_are_listed_on_the_import_page(admin, nursing, outsider):
    create_import_job(organization=admin.org, imported_by=admin.user, raw=FILE, file_name="a.csv")
    page = admin.client().get(reverse("accounts:import_people")).content.decode()
    assert "Recent imports" in page and "a.csv" in page
    assert "a.csv" not in outsider.client().get(reverse("accounts:import_people")).content.decode()
