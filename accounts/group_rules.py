"""Staff groups defined by a rule over HR attributes, edited by the institution's admins.

A rule-defined group holds the people of its own department plus everyone the rule matches
(any of the chosen departments, job titles, sites or employee types, less the employee types
left out). The rule is checked before it is saved, previewed as a count, and each change is
one audit event with the rule before and after.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db import transaction
from django.http import HttpRequest

from audit.services import record
from config import ids

from . import audience
from .models import EmployeeType, Membership, Organization, StaffGroup, User

MAX_VALUES = 50  # per attribute: a rule is a handful of choices, not a list of people


def _split(text: str) -> list[str]:
    return sorted({v.strip() for v in text.replace(";", ",").split(",") if v.strip()})


class GroupRuleForm(forms.Form):
    departments = ids.ModelMultipleChoiceField(
        queryset=StaffGroup.objects.none(),
        required=False,
        label="In any of these departments",
        widget=forms.CheckboxSelectMultiple,
    )
    job_titles = forms.CharField(
        required=False,
        max_length=2000,
        label="Or with any of these job titles",
        help_text="Exactly as the HR file or directory writes them, separated by commas.",
    )
    sites = forms.CharField(
        required=False,
        max_length=2000,
        label="Or working at any of these sites",
        help_text="Separated by commas.",
    )
    employee_types = forms.MultipleChoiceField(
        choices=EmployeeType.choices,
        required=False,
        label="Or of any of these employee types",
        widget=forms.CheckboxSelectMultiple,
    )
    exclude_types = forms.MultipleChoiceField(
        choices=EmployeeType.choices,
        required=False,
        label="But never these employee types",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, group: StaffGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        cast(Any, self.fields["departments"]).queryset = StaffGroup.objects.filter(
            organization_id=group.organization_id
        ).exclude(pk=group.pk)

    def clean_job_titles(self) -> list[str]:
        return self._listed("job_titles", "job titles")

    def clean_sites(self) -> list[str]:
        return self._listed("sites", "sites")

    def _listed(self, name: str, words: str) -> list[str]:
        values = _split(self.cleaned_data.get(name) or "")
        if len(values) > MAX_VALUES:
            raise forms.ValidationError(f"At most {MAX_VALUES} {words}, please.")
        if any(len(v) > 120 for v in values):
            raise forms.ValidationError(f"One of the {words} is longer than 120 characters.")
        return values

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        if not self.errors and not audience.is_empty(self.rule()) and not self.rule()["include"]:
            raise forms.ValidationError(
                "Choose at least one department, job title, site or employee type to include: "
                "a rule that only leaves people out would take in everyone else."
            )
        return data

    def rule(self) -> dict[str, list[dict[str, Any]]]:
        """The rule the form describes, in its stored form (audience.clean_rule)."""
        data = self.cleaned_data
        include = [
            {"field": "department", "values": [g.pk for g in data.get("departments") or []]},
            {"field": "job_title", "values": data.get("job_titles") or []},
            {"field": "site", "values": data.get("sites") or []},
            {"field": "employee_type", "values": data.get("employee_types") or []},
        ]
        exclude = [{"field": "employee_type", "values": data.get("exclude_types") or []}]
        return audience.clean_rule({"include": include, "exclude": exclude})


def initial_for(group: StaffGroup) -> dict[str, Any]:
    """The form's starting values from the group's stored rule."""
    initial: dict[str, Any] = {}
    for part in ("include", "exclude"):
        for c in (group.rule or {}).get(part) or []:
            field, values = c["field"], c["values"]
            if part == "exclude" and field == "employee_type":
                initial["exclude_types"] = values
            elif field == "department":
                initial["departments"] = values
            elif field in ("job_title", "site"):
                initial[f"{field}s"] = ", ".join(values)
            elif field == "employee_type":
                initial["employee_types"] = values
    return initial


def matching_count(organization: Organization, rule: dict[str, Any] | None) -> int:
    """How many active people the rule takes in (one COUNT query)."""
    if audience.is_empty(rule):
        return 0
    return (
        Membership.objects.filter(organization=organization, is_active=True)
        .filter(audience.rule_q(cast(dict[str, Any], rule)))
        .count()
    )


def names(organization: Organization) -> dict[str, dict[Any, str]]:
    return {
        "department": dict(
            StaffGroup.objects.filter(organization=organization).values_list("pk", "name")
        ),
        "employee_type": dict(EmployeeType.choices),
    }


def set_rule(
    *,
    group: StaffGroup,
    rule: dict[str, Any] | None,
    by: User,
    request: HttpRequest | None = None,
) -> bool:
    """Store the group's rule (None clears it); one audit event. Returns whether it changed."""
    wanted = None if audience.is_empty(rule) else audience.clean_rule(rule)
    with transaction.atomic():
        locked = StaffGroup.objects.select_for_update().get(pk=group.pk)
        before = locked.rule if not audience.is_empty(locked.rule) else None
        if before == wanted:
            return False
        locked.rule = wanted
        locked.save(update_fields=["rule"])
        labels = names(locked.organization)
        record(
            "accounts.staff_group.rule_changed",
            actor=by,
            organization=locked.organization,
            obj=locked,
            details={
                "group": locked.name,
                "before": before,
                "after": wanted,
                "described": audience.describe(wanted, labels) if wanted else "no rule",
            },
            request=request,
        )
    group.rule = wanted
    return True
