"""Audience rules: who a campaign (or a rule-defined staff group) means, over HR attributes.

A rule is data, stored as it was when a campaign was published:

    {"include": [{"field": "employee_type", "values": ["physician", "trainee"]}, ...],
     "exclude": [{"field": "directory_group", "values": [12]}]}

A person matches when they match any include condition (or there is none) and no exclude
condition. Conditions compare one attribute with a list of values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from .models import DirectoryGroup, EmployeeType, Membership, StaffGroup

# field → how a membership is compared with the values
FIELDS: dict[str, str] = {
    "department": "staff_group_id",
    "staff_group": "staff_group_id",  # a rule-defined group expands to its own rule
    "employee_type": "employee_type",
    "site": "site",
    "job_title": "job_title",
    "directory_group": "directory_groups",
}
LABELS = {
    "department": "department",
    "staff_group": "staff group",
    "employee_type": "employee type",
    "site": "site",
    "job_title": "job title",
    "directory_group": "directory group",
}


class RuleError(ValueError):
    """A rule that cannot be read; the message says which part."""


def clean_rule(rule: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """The rule in its stored form: known fields only, empty conditions dropped."""
    cleaned: dict[str, list[dict[str, Any]]] = {"include": [], "exclude": []}
    for part in ("include", "exclude"):
        for condition in (rule or {}).get(part) or []:
            field = condition.get("field")
            if field not in FIELDS:
                raise RuleError(f"Unknown attribute '{field}' in the audience rule.")
            values = [v for v in condition.get("values") or [] if v not in ("", None)]
            if field == "employee_type" and any(v not in EmployeeType.values for v in values):
                raise RuleError("Unknown employee type in the audience rule.")
            if values:
                cleaned[part].append({"field": field, "values": sorted(values, key=str)})
    return cleaned


def is_empty(rule: dict[str, Any] | None) -> bool:
    return not (rule or {}).get("include") and not (rule or {}).get("exclude")


def group_q(group_ids: Iterable[int], *, depth: int = 0) -> Q:
    """Members of these staff groups: by department, or by the group's own rule."""
    ids = list(group_ids)
    query = Q(staff_group_id__in=ids)
    if depth > 2:  # a rule group naming rule groups naming...: stop, never loop
        return query
    for rule in StaffGroup.objects.filter(pk__in=ids, rule__isnull=False).values_list(
        "rule", flat=True
    ):
        if rule and not is_empty(rule):
            query |= rule_q(rule, depth=depth + 1)
    return query


def condition_q(condition: dict[str, Any], *, depth: int = 0) -> Q:
    field, values = condition["field"], list(condition["values"])
    if field == "staff_group":
        return group_q([int(v) for v in values], depth=depth)
    if field == "directory_group":
        members = DirectoryGroup.members.through.objects.filter(
            directorygroup_id__in=[int(v) for v in values]
        ).values("membership_id")
        return Q(pk__in=members)
    return Q(**{f"{FIELDS[field]}__in": values})


def rule_q(rule: dict[str, Any], *, depth: int = 0) -> Q:
    """The rule as one condition on memberships (Q() matches everyone)."""
    query = Q()
    include = [condition_q(c, depth=depth) for c in rule.get("include") or []]
    if include:
        any_of = include[0]
        for q in include[1:]:
            any_of |= q
        query &= any_of
    for c in rule.get("exclude") or []:
        query &= ~condition_q(c, depth=depth)
    return query


def describe(rule: dict[str, Any] | None, names: dict[str, dict[Any, str]]) -> str:
    """A sentence for people: 'employee type: volunteer; not directory group: Agency'."""
    parts = []
    for part, prefix in (("include", ""), ("exclude", "not ")):
        for c in (rule or {}).get(part) or []:
            shown = [names.get(c["field"], {}).get(v, str(v)) for v in c["values"]]
            parts.append(f"{prefix}{LABELS[c['field']]}: {', '.join(shown)}")
    return "; ".join(parts) or "everyone"


def sites(organization_id: int) -> list[str]:
    """The sites people of the institution work at, for choosing."""
    return list(
        Membership.objects.filter(organization_id=organization_id, is_active=True)
        .exclude(site="")
        .values_list("site", flat=True)
        .distinct()
        .order_by("site")[:500]
    )
