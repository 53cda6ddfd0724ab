from django.core.management import call_command

from accounts.models import Membership, Organization, User
from audit.models import AuditEvent


def counts():
    return (
        User.objects.count(),
        Membership.objects.count(),
        Organization.objects.count(),
        AuditEvent.objects.count(),
    )


def test_demo_loader_is_idempotent_and_has_the_cast(db, capsys):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first
    out = capsys.readouterr().out
    assert "charter-demo" in out and "admin@riverside.example" in out
    riverside = Organization.objects.get(name="Riverside Health")
    assert Membership.objects.filter(organization=riverside).count() >= 200
    assert riverside.groups.count() == 5
    floater = User.objects.get(email="float@riverside.example")
    assert floater.memberships.count() == 2
    assert User.objects.get(email="legal@riverside.example").check_password("charter-demo")


def test_demo_gives_every_role_something_to_do(db):
    from approvals.models import ReviewRequest
    from guidelines.models import Guideline, Version

    call_command("load_demo")
    guideline = Guideline.objects.get(slug="social-media")
    statuses = dict(guideline.versions.values_list("number", "status"))
    assert statuses == {1: Version.Status.PUBLISHED, 2: Version.Status.IN_REVIEW}
    review = ReviewRequest.objects.get(version__number=2, guideline=guideline)
    stage = review.current_stage
    assert review.status == ReviewRequest.Status.OPEN
    assert stage is not None and stage["role_name"] == "Legal"
    assert Guideline.objects.get(slug="students-and-trainees").drafts.filter(is_open=True).exists()
