"""Check my post: any member checks a draft in memory; the social media team reads the drafts
people chose to send them."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import DRAFT_EDITORS, active_org, get_for_org, require_role
from accounts.http import MemberRequest

from . import services
from .context import InForce, context_for, in_force_for
from .detect import check as run_check
from .forms import PostCheckForm
from .models import DailyCount, SecondLook

OPEN_LIST_LIMIT = 100


def _findings(report_findings: list, found: InForce) -> list[dict[str, str]]:
    return [
        {
            "title": f.title,
            "advice": f.advice,
            "quote": f.quote,
            "section_title": found.section_title(f.section),
            "link": found.section_link(f.section),
        }
        for f in report_findings
    ]


@require_role()
def check(request: MemberRequest) -> HttpResponse:
    """Any member: check a draft post against the guideline in force; nothing is stored unless
    the person asks for a second look."""
    org = active_org(request)
    form = PostCheckForm(request.POST or None)
    context: dict[str, object] = {"form": form, "organization": org}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "postcheck/check.html", context, status=400)
        data = form.cleaned_data
        found = in_force_for(org)
        rules = context_for(
            org,
            found,
            platform=data["platform"],
            sponsorship=data["sponsorship"],
            posting_as=data["posting_as"].strip(),
        )
        report = run_check(data["text"], rules)
        if request.POST.get("action") == "send":
            services.send_for_second_look(
                organization=org,
                by=request.user,
                text=data["text"],
                platform=data["platform"],
                sponsorship=data["sponsorship"],
                posting_as=data["posting_as"].strip(),
                note=data["note"],
                report=report,
            )
            messages.success(
                request,
                "Sent to the social media team. They will look at it and reply to you; "
                "your draft is kept until they do.",
            )
            return redirect("postcheck:check")
        services.count_check(organization=org)
        context.update(
            checked=True,
            findings=_findings(report.findings, found),
            in_force=found.publication,
            official=rules.posting_from_official,
        )
    return render(request, "postcheck/check.html", context)


@require_role()
def help_page(request: MemberRequest) -> HttpResponse:
    """Any member: what the check looks for, and what it is not."""
    return render(request, "postcheck/help.html", {"organization": active_org(request)})


@require_role(*DRAFT_EDITORS)
def second_looks(request: MemberRequest) -> HttpResponse:
    """Authors and admins: the drafts people sent for a second look, open ones first."""
    org = active_org(request)
    looks = list(
        SecondLook.objects.filter(organization=org)
        .select_related("sent_by", "done_by")
        .order_by("done_at", "-created_at")[:OPEN_LIST_LIMIT]
    )
    since = timezone.localdate() - dt.timedelta(days=30)
    checks = DailyCount.objects.filter(organization=org, day__gt=since).aggregate(n=Sum("checks"))
    return render(
        request, "postcheck/second_looks.html", {"looks": looks, "checks_30_days": checks["n"] or 0}
    )


@require_role(*DRAFT_EDITORS)
def second_look(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors and admins: one draft sent for a second look; mark it as looked at."""
    look = get_for_org(SecondLook.objects.select_related("sent_by", "done_by"), request, pk=pk)
    if request.method == "POST":
        try:
            services.mark_done(look=look, by=request.user)
        except services.SecondLookError as exc:
            messages.error(request, str(exc))
            return redirect("postcheck:second_look", pk=look.pk)
        messages.success(request, "Marked as looked at.")
        return redirect("postcheck:second_looks")
    found = in_force_for(look.organization)
    return render(
        request,
        "postcheck/second_look.html",
        {
            "look": look,
            "findings": [
                {
                    **f,
                    "section_title": found.section_title(f.get("section", "")),
                    "link": found.section_link(f.get("section", "")),
                }
                for f in look.findings
            ],
        },
    )
