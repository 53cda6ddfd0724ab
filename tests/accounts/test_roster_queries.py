"""The full-roster sync's SQL, pinned: checking a file and each batch of the job cost the same
number of queries whatever the size of the file or of the institution, so a roster of 100,000
people is a hundred times one batch (bench/directory.py measures that at full size)."""

from collections import defaultdict

import pytest
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ImportJob, Membership, StagedRow, User
from accounts.staff_import import create_import_job, run_import_job
from audit.verify import verify_chain

BATCH = 20
# Statements of one call of run_import_job that runs one batch, by phase: the job's own
# bookkeeping (status, lock, save, read back) plus the batch's reads and bulk writes.
# Measured on SQLite (PostgreSQL's COPY of the staged rows is not counted there: fewer).
# The first batch also stages nothing twice and reads the staff groups; a batch with joiners
# creates their accounts; the last one records the import's summary event.
MEMBERS_BATCH_QUERIES = 27  # people, then their changes, history and audit events in bulk
LEAVERS_BATCH_QUERIES = 17  # a range of keys; only the leavers are loaded
FOLLOW_UP_BATCH_QUERIES = 10  # asking movers and joiners to acknowledge (no campaign open)
CHECK_QUERIES = 13  # with the staged table's ANALYZE on PostgreSQL
CHECK_QUERIES_PER_BATCH = 5


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr("accounts.staff_import.MEMBER_BATCH", BATCH)
    monkeypatch.setattr("accounts.staff_import.FOLLOW_UP_BATCH", BATCH)
    monkeypatch.setattr("accounts.staff_import.STAGE_BATCH", BATCH)


def _institution(org, group, people: int) -> None:
    users = User.objects.bulk_create(
        User(email=f"p{i}@riverside.test", full_name=f"P {i}", password=UNUSABLE_PASSWORD_PREFIX)
        for i in range(people)
    )
    Membership.objects.bulk_create(
        Membership(
            user=u, organization=org, staff_group=group, job_title="Nurse", external_id=f"E{i}"
        )
        for i, u in enumerate(users)
    )


def _roster(admin, people: int) -> bytes:
    """Every tenth person gone, every fifth with a new title, a tenth as many joiners."""
    lines = ["email,name,department,job title,employee id", f"{admin.email},Ada Admin,,,"]
    for i in range(people):
        if i % 10 == 3:
            continue
        title = "Charge nurse" if i % 5 == 1 else "Nurse"
        lines.append(f"p{i}@riverside.test,P {i},Nursing,{title},E{i}")
    lines += [f"j{i}@riverside.test,J {i},Nursing,Nurse,J{i}" for i in range(people // 10)]
    return ("\n".join(lines) + "\n").encode()


def _sync(admin, people: int) -> tuple[int, dict[str, list[int]]]:
    """Queries to check the file, and of each one-batch run of the job, by phase."""
    with CaptureQueriesContext(connection) as checked:
        job, errors = create_import_job(
            organization=admin.org,
            imported_by=admin.user,
            raw=_roster(admin, people),
            full_roster=True,
        )
    assert job is not None, errors
    batches: dict[str, list[int]] = defaultdict(list)
    while job.status != ImportJob.Status.DONE:
        phase = job.phase
        with CaptureQueriesContext(connection) as ran:
            job = run_import_job(job_id=job.pk, stop_after_batches=1)
        batches[phase].append(len(ran))
    assert job.deactivated_count == people // 10
    assert job.created_count == people // 10
    assert not StagedRow.objects.filter(job=job).exists()  # the staged file is gone
    return len(checked), batches


def test_each_batch_costs_a_fixed_number_of_queries(admin, nursing):
    _institution(admin.org, nursing, 200)
    checked, batches = _sync(admin, 200)
    assert len(batches["members"]) >= 10 and len(batches["leavers"]) >= 10
    assert max(batches["members"]) <= MEMBERS_BATCH_QUERIES, batches["members"]
    assert max(batches["leavers"]) <= LEAVERS_BATCH_QUERIES, batches["leavers"]
    assert max(batches["campaigns"]) <= FOLLOW_UP_BATCH_QUERIES, batches["campaigns"]
    assert batches["members"][1:-2] == [min(batches["members"])] * len(batches["members"][1:-2])
    # Checking and planning: a few queries per batch of the file and of the institution
    # (staging, address and id checks, the plan's walk), never one per row.
    file_batches = -(-(200 + 1) // BATCH)  # the people, a tenth gone, a tenth new; the admin
    assert checked <= CHECK_QUERIES + CHECK_QUERIES_PER_BATCH * file_batches, checked
    assert verify_chain(admin.org.pk) is None  # one event per person, chained in bulk
