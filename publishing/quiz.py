"""Which questions one person answers before acknowledging a version.

The written quiz is for everyone; the questions drawn from the version's cases depend on the
person's staff groups (their department, and any group whose rule matches them). The page and
the service both ask ``quiz_for``, so what is marked is what was shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, Case, Value, When

from accounts.audience import is_empty, rule_q
from accounts.models import Membership, StaffGroup
from guidelines.cases import named_groups
from guidelines.models import Version
from guidelines.quiz import personal_quiz


def member_groups(membership: Membership | None, group_ids: Iterable[int]) -> set[int]:
    """Those of ``group_ids`` the person belongs to: no query when no case names a group,
    otherwise two (the groups' rules, then every rule tested against the person at once)."""
    wanted = set(group_ids)
    if membership is None or not wanted:
        return set()
    found = {g for g in wanted if g == membership.staff_group_id}
    rules = {
        pk: rule
        for pk, rule in StaffGroup.objects.filter(
            pk__in=wanted - found, organization_id=membership.organization_id, rule__isnull=False
        ).values_list("pk", "rule")
        if rule and not is_empty(rule)
    }
    tests: dict[str, Any] = {}
    for pk, rule in rules.items():
        condition = rule_q(rule)
        if not condition:  # a rule with no condition left matches everyone
            found.add(pk)
            continue
        tests[f"g{pk}"] = Case(
            When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    if tests:
        row = Membership.objects.filter(pk=membership.pk).values(**tests).first() or {}
        found |= {int(name[1:]) for name, matched in row.items() if matched}
    return found


def quiz_for(
    version: Version, membership: Membership | None, *, user_id: int | None = None
) -> list[dict[str, Any]]:
    """The questions this person answers for this version (see guidelines.quiz).

    ``membership`` is the person's in the version's institution; given only ``user_id``, it
    is looked up when (and only when) some case is for particular groups."""
    cases = version.cases or []
    named = named_groups(cases)
    if named and membership is None and user_id is not None:
        membership = Membership.objects.filter(
            user_id=user_id, organization_id=version.guideline.organization_id
        ).first()
    return personal_quiz(version.quiz or [], cases, member_groups(membership, named))
