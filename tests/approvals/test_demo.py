from django.core.management import call_command

from approvals.models import ApprovalRoute


def test_demo_gives_riverside_legal_then_compliance(db):
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)  # idempotent
    route = ApprovalRoute.objects.get(organization__slug="riverside-health")
    assert [(s["role_name"], s["rule"], s["due_days"]) for s in route.snapshot()] == [
        ("Legal", "any", 5),
        ("Compliance", "any", 5),
    ]
