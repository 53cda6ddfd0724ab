"""Demo content: Riverside Health's approval route, Legal then Compliance."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Organization, ReviewerRole

from .models import ApprovalRoute, ApprovalStage, Rule

DEMO_ROUTE = (("Legal", Rule.ANY, 5), ("Compliance", Rule.ANY, 5))


@transaction.atomic
def load_route(organization: Organization) -> None:
    """Give the demo institution its route once; an admin's later edits are left alone."""
    route, created = ApprovalRoute.objects.get_or_create(organization=organization)
    if not created and route.stages.exists():
        return
    for order, (name, rule, due_days) in enumerate(DEMO_ROUTE, start=1):
        role, _ = ReviewerRole.objects.get_or_create(organization=organization, name=name)
        ApprovalStage.objects.create(
            route=route, order=order, reviewer_role=role, rule=rule, due_days=due_days
        )
