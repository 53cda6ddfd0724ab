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
