"""An admin imports staff in the browser and watches the background job finish on its page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import ImportJob, Membership
from accounts.staff_import import create_import_job, run_import_job

ROWS = "".join(f"p{i}@riverside.test,Person {i},Nursing,Nurse\n" for i in range(30))
FILE = ("email,name,staff group,job title\n" + ROWS).encode()


@pytest.fixture
def signed_in_admin(page: Page, login, admin, password, transactional_db) -> Page:
    login(page, admin.email, password)
    return page


def test_the_job_page_follows_the_import_to_the_end_without_a_reload(
    signed_in_admin, live_server, admin, nursing, shots, a11y
):
    page = signed_in_admin
    job, _ = create_import_job(
        organization=admin.org, imported_by=admin.user, raw=FILE, file_name="ward.csv"
    )
    assert job is not None
    page.goto(f"{live_server.url}/accounts/people/import/{job.pk}/")
    progress = page.get_by_role("progressbar")
    expect(progress).to_have_attribute("max", "30")
    expect(page.get_by_text("0 of 30 rows in this step.")).to_be_visible()
    shots(page, "import-waiting")
    a11y(page, "import-waiting")

    run_import_job(job_id=job.pk)  # the worker runs while the admin watches
    expect(page.get_by_text("Import finished: 30 added, 0 updated, 0 unchanged.")).to_be_visible(
        timeout=15_000
    )
    shots(page, "import-finished")
    assert ImportJob.objects.get().status == ImportJob.Status.DONE
    assert Membership.objects.filter(staff_group=nursing).count() == 30


def test_a_broken_file_is_refused_on_the_page_with_its_line(
    signed_in_admin, live_server, nursing, tmp_path
):
    page = signed_in_admin
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b'email,name,staff group\nana@riverside.test,"Ana Lima,Nursing\n' + FILE)
    page.goto(f"{live_server.url}/accounts/people/import/")
    page.get_by_label("Staff CSV file").set_input_files(str(broken))
    page.get_by_role("button", name="Check and import").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nothing was imported")
    expect(alert).to_contain_text("Line 2:")
    assert not ImportJob.objects.exists()
