from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from accounts.access import active_org, get_for_org, require_role
from accounts.models import Role
from config.csv_export import Echo, safe_cell

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
def events(request: HttpRequest) -> HttpResponse:
    """Admins and auditors: browse and filter the institution's audit trail."""
    form, qs = _filtered(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit/events.html", {"form": form, "page": page, "query": query.urlencode()}
    )


CSV_HEADER = [
    "sequence",
    "time_utc",
    "action",
    "actor_email",
    "object_type",
    "object_id",
    "object",
    "guideline_id",
    "details",
    "ip_address",
    "user_agent",
    "prev_hash",
    "hash",
]


def event_rows(qs: QuerySet[AuditEvent]) -> Iterator[list[str]]:
    import json

    for e in qs.iterator(chunk_size=2000):
        yield [
            safe_cell(v)
            for v in (
                e.sequence,
                e.created_at.astimezone(UTC).isoformat(),
                e.action,
                e.actor_label,
                e.object_type,
                e.object_id,
                e.object_repr,
                e.guideline_id,
                json.dumps(e.details, sort_keys=True, default=str),
                e.ip_address,
                e.user_agent,
                e.prev_hash,
                e.hash,
            )
        ]


@require_role(Role.ADMIN, Role.AUDITOR)
def export(request: HttpRequest) -> StreamingHttpResponse:
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


@require_role(Role.ADMIN, Role.AUDITOR)
def evidence_pack(request: HttpRequest, publication_id: int) -> HttpResponseBase:
    """Admins and auditors: the ZIP evidence pack of one published version."""
    from publishing.models import Publication

    from .evidence import build_evidence_pack

    publication = get_for_org(
        Publication.objects.select_related("version__guideline", "organization"),
        request,
        pk=publication_id,
    )
    archive = build_evidence_pack(publication=publication, generated_by=request.user)
    record(
        "audit.evidence_pack.downloaded",
        actor=request.user,
        organization=publication.organization,
        obj=publication.version,
        guideline_id=publication.guideline_id,
        request=request,
    )
    version = publication.version
    name = f"evidence-{version.guideline.slug}-v{version.number}.zip"
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")


@require_role(Role.ADMIN, Role.AUDITOR)
def in_force(request: HttpRequest) -> HttpResponse:
    """Admins and auditors: which text of a guideline was in force on a given date."""
    from guidelines.models import Guideline
    from publishing.selectors import in_force as publication_in_force

    from .forms import InForceForm

    org = active_org(request)
    form = InForceForm(request.GET or None, organization=org)
    result = None
    asked = False
    if form.is_valid():
        asked = True
        guideline: Guideline = form.cleaned_data["guideline"]
        result = publication_in_force(guideline, on=form.cleaned_data["date"])
    signatures = list(result.version.signatures.order_by("signed_at")) if result else []
    return render(
        request,
        "audit/in_force.html",
        {"form": form, "result": result, "asked": asked, "signatures": signatures},
    )
