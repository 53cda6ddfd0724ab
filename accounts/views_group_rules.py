"""The page where admins define a staff group by a rule over HR attributes."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from . import audience, group_rules
from .access import get_for_org, require_role
from .http import MemberRequest
from .models import Role, StaffGroup


@require_role(Role.ADMIN)
def group_rule(request: MemberRequest, pk: int) -> HttpResponse:
    """Admins of the group's institution: define (or clear) the group's rule, with a count of
    the people it would take in before saving."""
    group = get_for_org(StaffGroup.objects.all(), request, pk=pk)
    org = group.organization
    labels = group_rules.names(org)
    if request.method == "POST" and "clear" in request.POST:
        if group_rules.set_rule(group=group, rule=None, by=request.user, request=request):
            messages.success(request, f"{group.name} no longer has a rule.")
        return redirect("accounts:group_rule", pk=group.pk)
    form = group_rules.GroupRuleForm(
        request.POST or None, group=group, initial=group_rules.initial_for(group)
    )
    preview = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            rule = form.rule()
            if "save" in request.POST:
                changed = group_rules.set_rule(
                    group=group, rule=rule, by=request.user, request=request
                )
                messages.success(request, "Rule saved." if changed else "Nothing changed.")
                return redirect("accounts:group_rule", pk=group.pk)
            preview = {
                "count": group_rules.matching_count(org, rule),
                "described": audience.describe(rule, labels),
            }
        else:
            status = 400
    return render(
        request,
        "accounts/group_rule.html",
        {
            "group": group,
            "form": form,
            "preview": preview,
            "current": audience.describe(group.rule, labels) if group.rule else "",
            "current_count": group_rules.matching_count(org, group.rule),
        },
        status=status,
    )
