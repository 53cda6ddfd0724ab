from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import active_org, require_role
from accounts.http import MemberRequest
from accounts.models import Role
from config.csv_export import Echo

from .export import CSV_HEADER, event_rows
from .forms import AuditFilterForm
from .models import AuditEvent
from .services import record


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    org = active_org(request)
    form = AuditFilterForm(request.GET or None, organization=org)
    qs = AuditEvent.objects.filter(organization=org).select_related("actor")
    if form.is_valid():
        data = form.cleaned_data
        if data["person"]:
            qs = qs.filter(actor_id=data["person"].user_id)
        if data["action"]:
            qs = qs.filter(action__startswith=data["action"].strip())
        if data["guideline"]:
            qs = qs.filter(guideline_id=data["guideline"])
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            qs = qs.filter(created_at__gte=datetime.combine(data["date_from"], time.min, tz))
        if data["date_to"]:
            end = datetime.combine(data["date_to"] + timedelta(days=1), time.min, tz)
            qs = qs.filter(created_at__lt=end)
    elif form.is_bound:
        qs = qs.none()
    return form, qs.order_by("-sequence")


@require_role(Role.ADMIN, Role.AUDITOR)
def events(request: MemberRequest) -> HttpResponse:
    """Admins and auditors: browse and filter the institution's audit trail."""
    form, qs = _filtered(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit/events.html", {"form": form, "page": page, "query": query.urlencode()}
    )


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
        for row in event_rows(qs.order_by("sequence")):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response
