from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import active_org, require_role
from accounts.dates import fmt
from accounts.http import MemberRequest
from accounts.models import Membership, Role
from config.csv_export import Echo

from .export import CHRONOLOGICAL, CSV_HEADER, event_rows
from .forms import AuditFilterForm
from .models import AuditEvent
from .sentences import KINDS, TITLE_ACTIONS, guideline_titles, sentence
from .services import record
from .signing import Keyring
from .verify import ROUTINE, check_institution, store_checkpoint

PEOPLE_SUGGESTED = 10


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    org = active_org(request)
    form = AuditFilterForm(request.GET or None)
    qs = AuditEvent.objects.filter(organization=org).select_related("actor")
    if form.is_valid():
        data = form.cleaned_data
        if person := data["person"].strip():
            qs = qs.filter(Q(actor__full_name__icontains=person) | Q(actor_label__icontains=person))
        if data["kind"]:
            prefixes = Q()
            for prefix in KINDS[data["kind"]][1]:
                prefixes |= Q(action__startswith=prefix)
            qs = qs.filter(prefixes)
        if title := data["guideline"].strip():
            # Any title a guideline was created with or renamed to, or one the event recorded.
            named = AuditEvent.objects.filter(
                Q(details__title__icontains=title)
                | Q(details__new_title__icontains=title)
                | Q(details__old_title__icontains=title),
                organization=org,
                action__in=TITLE_ACTIONS,
            ).values("guideline_id")
            qs = qs.filter(
                Q(guideline_id__in=named)
                | Q(details__guideline__icontains=title)
                | Q(object_repr__icontains=title)
            )
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            qs = qs.filter(created_at__gte=datetime.combine(data["date_from"], time.min, tz))
        if data["date_to"]:
            end = datetime.combine(data["date_to"] + timedelta(days=1), time.min, tz)
            qs = qs.filter(created_at__lt=end)
    elif form.is_bound:
        qs = qs.none()
    return form, qs.order_by("-created_at", "-id")


@require_role(Role.ADMIN, Role.AUDITOR)
def events(request: MemberRequest) -> HttpResponse:
    """Admins and auditors: read the institution's audit trail as sentences, filtered."""
    form, qs = _filtered(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    titles = guideline_titles(page.object_list, active_org(request).pk)
    rows = [(e, sentence(e, titles)) for e in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/events.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


@require_role(Role.ADMIN, Role.AUDITOR)
def people(request: MemberRequest) -> HttpResponse:
    """Admins and auditors: up to ten of the institution's people matching what was typed,
    as suggestions for the person filter."""
    typed = request.GET.get("person", "").strip()[:200]
    found: list[Membership] = []
    if len(typed) >= 2:
        found = list(
            Membership.objects.filter(organization=active_org(request))
            .filter(Q(user__full_name__icontains=typed) | Q(user__email__icontains=typed))
            .select_related("user")
            .order_by("user__full_name", "user__email")[:PEOPLE_SUGGESTED]
        )
    return render(request, "audit/_people.html", {"people": found})


@require_POST
@require_role(Role.ADMIN, Role.AUDITOR)
def check(request: MemberRequest) -> HttpResponse:
    """Admins and auditors: check this institution's chain now, from its last signed
    checkpoint (routine: seconds, whatever the history); the outcome and the mode are shown
    and recorded, and a passing check leaves a new checkpoint."""
    org = active_org(request)
    keys = Keyring.from_settings()
    # The institution's main chain and each personal lane (audit.models.PERSONAL_LANES).
    reports = check_institution(org.pk, keys=keys, mode=ROUTINE)
    problem = next((r.problem for r in reports if r.problem is not None), None)
    events = sum(r.sequence for r in reports)
    main = reports[0]
    from_checkpoints = [r for r in reports if r.mode == ROUTINE and r.checkpoint is not None]
    walked = sum(r.walked for r in reports)
    chains = f" in {len(reports)} chains" if len(reports) > 1 else ""
    if len(from_checkpoints) == len(reports) and main.checkpoint is not None:
        how = (
            f"checked from the signed checkpoint{'s' if chains else ''} of "
            f"{fmt(main.checkpoint.created_at, 'time')} (event {main.start}"
            f"{' of the main chain' if chains else ''}): {walked} newer events read one by one"
        )
    elif from_checkpoints:
        how = (
            f"{len(from_checkpoints)} of {len(reports)} chains checked from their signed "
            f"checkpoints, the others from their first events: {walked} events read one by one"
        )
    else:
        how = "no checkpoint yet, so every event was read from the first"
    if problem is None:
        outcome = f"intact, {events} events"
        for report in reports:
            store_checkpoint(report, keys=keys, mode=ROUTINE)
        messages.success(
            request,
            f"The audit trail is intact: all {events} events{chains} check ({how}). "
            "The nightly full check reads every event.",
        )
    else:
        outcome = "broken"
        messages.error(request, f"The audit trail is broken. First problem: {problem}")
    record(
        "audit.chain.checked",
        actor=request.user,
        organization=org,
        details={
            "outcome": outcome,
            "problem": str(problem or ""),
            "mode": ROUTINE if from_checkpoints else main.mode,
            "from_event": main.start,
            "chains": len(reports),
            "walked": walked,
        },
        request=request,
    )
    return redirect("audit:events")


@require_role(Role.ADMIN, Role.AUDITOR)
def export(request: MemberRequest) -> StreamingHttpResponse:
    """Admins and auditors: the filtered audit trail as CSV, streamed."""
    _form, qs = _filtered(request)
    record(
        "audit.events.exported",
        actor=request.user,
        organization=active_org(request),
        details={"filters": {k: v for k, v in request.GET.items() if v}},
        request=request,
    )
    writer = csv.writer(Echo())

    def stream() -> Iterator[str]:
        yield writer.writerow(CSV_HEADER)
        for row in event_rows(qs.order_by(*CHRONOLOGICAL)):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response
