"""The documented largest staff import, measured on PostgreSQL: 50,000 rows into an
institution with an open acknowledgement campaign.

    .venv/bin/python -m bench.staff_import [--rows 50000] [--database charter_import_bench]

Reports the time to check the file (what the upload request does), the background job's
time per step, and that every imported person is asked to acknowledge exactly once, also
when the job is stopped half-way and run again. The database is dropped and created again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from typing import Any

from bench.harness import db_url, manage, recreate_database, server_env, use_in_process


def staff_file(rows: int, prefix: str) -> bytes:
    lines = [
        f"{prefix}{i}@northfield.example,Person {prefix}{i},Nursing,Nurse" for i in range(rows)
    ]
    return ("email,name,staff group,job title\n" + "\n".join(lines) + "\n").encode()


def seed() -> tuple[Any, Any, Any]:
    """One institution, its admin, and a version published to all staff (campaign open)."""
    from accounts.models import Membership, Organization, StaffGroup, User
    from publishing import services
    from tests.factories import GuidelineFactory, VersionFactory

    org = Organization.objects.create(name="Northfield Health System", slug="northfield")
    StaffGroup.objects.create(organization=org, name="Nursing")
    admin = User.objects.create_user(email="admin@northfield.example", full_name="Ada Admin")
    Membership.objects.create(user=admin, organization=org, is_admin=True, is_author=True)
    guideline = GuidelineFactory(organization=org, slug="social-media", created_by=admin)
    version = VersionFactory(guideline=guideline, number=1, status="approved", created_by=admin)
    today = dt.date.today()
    publication = services.publish(
        version=version,
        by=admin,
        effective_date=today,
        requires_acknowledgement=True,
        due_date=today + dt.timedelta(days=30),
    )
    return org, admin, publication.campaign


def timed(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return result, round(time.perf_counter() - started, 2)


def measure(rows: int) -> dict[str, Any]:
    from django.core import mail

    from accounts import staff_import
    from accounts.models import ImportJob, Invitation, Membership
    from publishing.models import AckRequest

    org, admin, campaign = seed()
    figures: dict[str, Any] = {"rows": rows}

    # 1. Straight through: the upload request checks the file; the job applies it.
    raw = staff_file(rows, "first-")
    figures["file_bytes"] = len(raw)
    (_, errors), figures["check_seconds"] = timed(
        staff_import.dry_run, organization=org, imported_by=admin, raw=raw
    )
    assert not errors
    (job, _), figures["request_seconds"] = timed(
        staff_import.create_import_job, organization=org, imported_by=admin, raw=raw
    )
    members_batches = -(-rows // staff_import.MEMBER_BATCH)
    _, figures["job_people_seconds"] = timed(
        staff_import.run_import_job, job_id=job.pk, stop_after_batches=members_batches
    )
    job, figures["job_requests_seconds"] = timed(staff_import.run_import_job, job_id=job.pk)
    assert job.status == ImportJob.Status.DONE, job.error
    imported = Membership.objects.filter(organization=org, user__email__startswith="first-")
    figures["members"] = imported.count()
    figures["requests"] = AckRequest.objects.filter(
        campaign=campaign, membership__in=imported
    ).count()
    figures["request_emails"] = len(mail.outbox)

    # 2. With invitations, stopped half-way through the requests (a killed worker), resumed.
    mail.outbox.clear()
    raw = staff_file(rows, "second-")
    job, errors = staff_import.create_import_job(
        organization=org, imported_by=admin, raw=raw, invite=True
    )
    assert job is not None
    follow_up_batches = -(-rows // staff_import.FOLLOW_UP_BATCH)
    stop = members_batches + follow_up_batches + follow_up_batches // 2
    _, first = timed(staff_import.run_import_job, job_id=job.pk, stop_after_batches=stop)
    job.refresh_from_db()
    figures["stopped_at"] = {"phase": job.phase, "requests_done": job.campaigns_done}
    job, second = timed(staff_import.run_import_job, job_id=job.pk)
    assert job.status == ImportJob.Status.DONE, job.error
    figures["invite_job_seconds"] = round(first + second, 2)
    imported = Membership.objects.filter(organization=org, user__email__startswith="second-")
    figures["resumed_members"] = imported.count()
    figures["resumed_requests"] = AckRequest.objects.filter(
        campaign=campaign, membership__in=imported
    ).count()
    figures["resumed_invitations"] = Invitation.objects.filter(batch_key=f"import-{job.pk}").count()
    subjects = [m.subject for m in mail.outbox]
    figures["resumed_invitation_emails"] = sum(s.startswith("You are invited") for s in subjects)
    figures["resumed_request_emails"] = sum(s.startswith("Please acknowledge") for s in subjects)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database", default="charter_import_bench")
    args = parser.parse_args()
    recreate_database(args.database)
    env = server_env(db_url(args.database))
    manage(env, "migrate", "--noinput")
    use_in_process(env)
    print(json.dumps(measure(args.rows), indent=2))


if __name__ == "__main__":
    main()
