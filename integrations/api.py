"""Charter's REST API, version 1 (Django Ninja): read-only, per institution, by token scope.

Every operation needs a bearer token with one scope (``TokenAuth(scope)``); the token decides
the institution, so another institution's ids are simply not found (404). Lists are paged by
an opaque cursor over a stable order, each page in a fixed number of queries.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer

from accounts.emails import normalize_email
from accounts.models import Membership, Organization
from audit import trail
from guidelines.models import Guideline, Version
from publishing.models import (
    Acknowledgement,
    AckRequest,
    AckRequestQuerySet,
    Campaign,
    Publication,
)
from publishing.selectors import campaign_figures, percent

from . import tokens
from .models import ApiToken, Scope
from .problems import problem

log = logging.getLogger(__name__)

MAX_LIMIT = 500


class MissingScope(Exception):
    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class BadCursor(Exception):
    pass


class TokenAuth(HttpBearer):
    """A live institution token holding ``scope``, within its rate limit."""

    def __init__(self, scope: str | None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.token_for(token)
        if found is None:
            return None
        verdict = tokens.rate_limited(found)
        if verdict.limited:
            raise RateLimited(verdict.retry_after)
        if self.scope is not None and self.scope not in (found.scopes or []):
            raise MissingScope(self.scope)
        tokens.touch(found)
        return found


class CharterDocs(DocsBase):
    """The documentation page: Charter's own, drawn from the schema (no scripts, no CDN)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        schema = api.get_openapi_schema(path_params=kwargs)
        operations = []
        for path, methods in schema["paths"].items():
            for method, op in methods.items():
                operations.append(
                    {
                        "method": method.upper(),
                        "path": path,
                        "summary": op.get("summary", ""),
                        "description": op.get("description", ""),
                        "scope": op.get("x-charter-scope", ""),
                        "parameters": op.get("parameters", []),
                        "responses": sorted(op.get("responses", {}).items()),
                        "anchor": op.get("operationId", path),
                    }
                )
        return render(
            request,
            "integrations/api_docs.html",
            {
                "operations": operations,
                "scopes": Scope.choices,
                "openapi_url": self.get_openapi_url(api, kwargs),
                "rate": settings.CHARTER_API_RATE_PER_MINUTE,
            },
        )


api = NinjaAPI(
    title="Charter API",
    version="1",
    description=(
        "Read an institution's guidelines, publications, campaigns, acknowledgements and "
        "audit trail. Every call needs a bearer token made by an admin of the institution."
    ),
    urls_namespace="api_v1",
    docs=CharterDocs(),
    docs_url="/docs/",
    openapi_url="/openapi.json",
)


# --- problems -------------------------------------------------------------------------------


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(request, 401, headers={"WWW-Authenticate": 'Bearer realm="charter"'})


@api.exception_handler(MissingScope)
def _missing_scope(request: HttpRequest, exc: MissingScope) -> HttpResponse:
    return problem(
        request,
        403,
        f"The token lacks the scope {exc.scope}.",
        kind="missing-scope",
        title="Missing scope",
        scope=exc.scope,
    )


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    # The seconds until the token's window resets, not a fixed minute: a client that waits
    # as told is served on its next try.
    return problem(request, 429, kind="rate-limited", title="Too many requests",
                   headers={"Retry-After": str(exc.retry_after)})  # fmt: skip


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ())[1:]) or None,
            "in": (e.get("loc") or ["query"])[0],
            "message": e.get("msg", ""),
        }
        for e in exc.errors
    ]
    return problem(
        request,
        422,
        "Some parameters are not valid; see errors.",
        kind="validation",
        title="Invalid parameters",
        errors=errors,
    )


@api.exception_handler(BadCursor)
def _bad_cursor(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        request,
        422,
        "The cursor is not one this API gave out; start again without it.",
        kind="validation",
        title="Invalid parameters",
        errors=[{"field": "cursor", "in": "query", "message": "not a cursor"}],
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(request, 404)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def _crash(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API error on %s", request.path)
    return problem(request, 500)


# --- helpers --------------------------------------------------------------------------------


def org_of(request: HttpRequest) -> Organization:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    return token.organization


def encode_cursor(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def decode_cursor(text: str, *fields: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor from exc
    if not isinstance(data, dict) or any(f not in data for f in fields):
        raise BadCursor
    return data


def scoped(scope: Scope) -> dict[str, Any]:
    """The arguments every operation takes: its token scope, shown in the schema too."""
    return {"auth": TokenAuth(scope.value), "openapi_extra": {"x-charter-scope": scope.value}}


class GuidelineRef(Schema):
    id: int
    slug: str
    title: str


class InForce(Schema):
    publication_id: int
    version: int
    content_hash: str
    effective_date: dt.date
    published_at: dt.datetime


class GuidelineOut(Schema):
    id: int
    slug: str
    title: str
    status: str
    next_review_date: dt.date | None
    in_force: InForce | None


class GuidelinePage(Schema):
    items: list[GuidelineOut]
    next_cursor: str | None


class VersionOut(Schema):
    number: int
    status: str
    content_hash: str
    created_at: dt.datetime
    publication_id: int | None
    effective_date: dt.date | None
    in_force: bool


class GuidelineDetail(GuidelineOut):
    versions: list[VersionOut]


def _in_force_by_guideline(guideline_ids: list[int]) -> dict[int, Publication]:
    """The publication in force for each guideline, in one query (as ``selectors.in_force``)."""
    today = timezone.localdate()
    found: dict[int, Publication] = {}
    rows = (
        Publication.objects.filter(guideline_id__in=guideline_ids, effective_date__lte=today)
        .select_related("version")
        .order_by("guideline_id", "-effective_date", "-version__number")
    )
    for publication in rows:
        found.setdefault(publication.guideline_id, publication)
    return found


def _in_force_out(publication: Publication | None) -> InForce | None:
    if publication is None:
        return None
    return InForce(
        publication_id=publication.pk,
        version=publication.version.number,
        content_hash=publication.version.content_hash,
        effective_date=publication.effective_date,
        published_at=publication.published_at,
    )


def _guideline_out(g: Guideline, in_force: Publication | None) -> dict[str, Any]:
    return {
        "id": g.pk,
        "slug": g.slug,
        "title": g.title,
        "status": g.status,
        "next_review_date": g.next_review_date,
        "in_force": _in_force_out(in_force),
    }


# --- token ------------------------------------------------------------------------------------


class TokenOut(Schema):
    name: str
    prefix: str
    institution: str
    scopes: list[str]
    expires_at: dt.datetime


@api.get("/token", response=TokenOut, auth=TokenAuth(None), summary="The token in use")
def token(request: HttpRequest) -> dict[str, Any]:
    """Who this token is: its institution, scopes and expiry. Needs no scope."""
    t: ApiToken = request.auth  # type: ignore[attr-defined]
    return {
        "name": t.name,
        "prefix": t.prefix,
        "institution": t.organization.slug,
        "scopes": t.scopes,
        "expires_at": t.expires_at,
    }


# --- guidelines -------------------------------------------------------------------------------


@api.get("/guidelines", response=GuidelinePage, summary="Guidelines", **scoped(Scope.GUIDELINES))
def guidelines(
    request: HttpRequest,
    cursor: str = "",
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    """The institution's guidelines with the version in force today, by id."""
    after = int(decode_cursor(cursor, "id")["id"]) if cursor else 0
    page = list(
        Guideline.objects.filter(organization=org_of(request), pk__gt=after).order_by("pk")[
            : limit + 1
        ]
    )
    more = len(page) > limit
    page = page[:limit]
    in_force = _in_force_by_guideline([g.pk for g in page])
    return {
        "items": [_guideline_out(g, in_force.get(g.pk)) for g in page],
        "next_cursor": encode_cursor({"id": page[-1].pk}) if more else None,
    }


@api.get(
    "/guidelines/{guideline_id}",
    response=GuidelineDetail,
    summary="One guideline and its versions",
    **scoped(Scope.GUIDELINES),
)
def guideline(request: HttpRequest, guideline_id: int) -> dict[str, Any]:
    """A guideline with its approved and published versions and which one is in force."""
    g = Guideline.objects.filter(organization=org_of(request), pk=guideline_id).first()
    if g is None:
        raise Http404
    in_force = _in_force_by_guideline([g.pk]).get(g.pk)
    versions = (
        Version.objects.filter(
            guideline=g,
            status__in=[
                Version.Status.APPROVED,
                Version.Status.PUBLISHED,
                Version.Status.SUPERSEDED,
            ],
        )
        .select_related("publication")
        .order_by("number")
    )
    out = _guideline_out(g, in_force)
    out["versions"] = [
        {
            "number": v.number,
            "status": v.status,
            "content_hash": v.content_hash,
            "created_at": v.created_at,
            "publication_id": getattr(getattr(v, "publication", None), "pk", None),
            "effective_date": getattr(getattr(v, "publication", None), "effective_date", None),
            "in_force": in_force is not None and in_force.version_id == v.pk,
        }
        for v in versions
    ]
    return out


# --- publications -----------------------------------------------------------------------------


class PublicationOut(Schema):
    id: int
    guideline: GuidelineRef
    version: int
    content_hash: str
    effective_date: dt.date
    published_at: dt.datetime
    requires_acknowledgement: bool
    superseded_at: dt.datetime | None
    in_force: bool


class PublicationPage(Schema):
    items: list[PublicationOut]
    next_cursor: str | None


def _publication_out(p: Publication, in_force: dict[int, Publication]) -> dict[str, Any]:
    current = in_force.get(p.guideline_id)
    return {
        "id": p.pk,
        "guideline": {"id": p.guideline.pk, "slug": p.guideline.slug, "title": p.guideline.title},
        "version": p.version.number,
        "content_hash": p.version.content_hash,
        "effective_date": p.effective_date,
        "published_at": p.published_at,
        "requires_acknowledgement": p.requires_acknowledgement,
        "superseded_at": p.superseded_at,
        "in_force": current is not None and current.pk == p.pk,
    }


@api.get(
    "/publications",
    response=PublicationPage,
    summary="Publications",
    **scoped(Scope.PUBLICATIONS),
)
def publications(
    request: HttpRequest,
    cursor: str = "",
    guideline_id: int | None = None,
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    """Every publication, oldest first (by id); filter by guideline."""
    after = int(decode_cursor(cursor, "id")["id"]) if cursor else 0
    qs = Publication.objects.filter(organization=org_of(request), pk__gt=after)
    if guideline_id is not None:
        qs = qs.filter(guideline_id=guideline_id)
    page = list(qs.select_related("guideline", "version").order_by("pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    in_force = _in_force_by_guideline(sorted({p.guideline_id for p in page}))
    return {
        "items": [_publication_out(p, in_force) for p in page],
        "next_cursor": encode_cursor({"id": page[-1].pk}) if more else None,
    }


@api.get(
    "/publications/{publication_id}",
    response=PublicationOut,
    summary="One publication",
    **scoped(Scope.PUBLICATIONS),
)
def publication(request: HttpRequest, publication_id: int) -> dict[str, Any]:
    p = (
        Publication.objects.filter(organization=org_of(request), pk=publication_id)
        .select_related("guideline", "version")
        .first()
    )
    if p is None:
        raise Http404
    return _publication_out(p, _in_force_by_guideline([p.guideline_id]))


# --- campaigns --------------------------------------------------------------------------------


class Figures(Schema):
    total: int
    acknowledged: int
    pending: int
    overdue: int
    percent: int


class GroupFigures(Figures):
    name: str


class CampaignOut(Schema):
    id: int
    kind: str
    label: str
    status: str
    publication_id: int
    guideline: GuidelineRef
    version: int
    due_date: dt.date
    created_at: dt.datetime
    figures: Figures


class CampaignDetail(CampaignOut):
    groups: list[GroupFigures]


class CampaignPage(Schema):
    items: list[CampaignOut]
    next_cursor: str | None


def _campaign_out(c: Campaign, figures: dict[str, Any]) -> dict[str, Any]:
    g = c.version.guideline
    return {
        "id": c.pk,
        "kind": c.kind,
        "label": c.label,
        "status": c.status,
        "publication_id": c.publication_id,
        "guideline": {"id": g.pk, "slug": g.slug, "title": g.title},
        "version": c.version.number,
        "due_date": c.due_date,
        "created_at": c.created_at,
        "figures": figures,
    }


@api.get("/campaigns", response=CampaignPage, summary="Campaigns", **scoped(Scope.CAMPAIGNS))
def campaigns(
    request: HttpRequest,
    cursor: str = "",
    status: Campaign.Status | None = None,
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    """Acknowledgement campaigns with their figures, by id; filter open or closed."""
    after = int(decode_cursor(cursor, "id")["id"]) if cursor else 0
    qs = Campaign.objects.filter(organization=org_of(request), pk__gt=after)
    if status is not None:
        qs = qs.filter(status=status)
    page = list(qs.select_related("version__guideline").order_by("pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    today = timezone.localdate()
    counts = {
        row["campaign_id"]: row
        for row in AckRequest.objects.filter(campaign__in=[c.pk for c in page])
        .values("campaign_id")
        .annotate(
            total=Count("pk", filter=AckRequestQuerySet.open_q()),
            acknowledged=Count(
                "pk", filter=AckRequestQuerySet.acknowledged_q() & AckRequestQuerySet.open_q()
            ),
            overdue=Count("pk", filter=AckRequestQuerySet.overdue_q(on=today)),
        )
        .order_by()
    }
    items = []
    for c in page:
        row = counts.get(c.pk, {"total": 0, "acknowledged": 0, "overdue": 0})
        figures = {
            "total": row["total"],
            "acknowledged": row["acknowledged"],
            "overdue": row["overdue"],
            "pending": row["total"] - row["acknowledged"],
            "percent": percent(row["acknowledged"], row["total"]),
        }
        items.append(_campaign_out(c, figures))
    return {"items": items, "next_cursor": encode_cursor({"id": page[-1].pk}) if more else None}


@api.get(
    "/campaigns/{campaign_id}",
    response=CampaignDetail,
    summary="One campaign, with figures by staff group",
    **scoped(Scope.CAMPAIGNS),
)
def campaign(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    c = (
        Campaign.objects.filter(organization=org_of(request), pk=campaign_id)
        .select_related("version__guideline")
        .first()
    )
    if c is None:
        raise Http404
    figures = campaign_figures(c)
    keys = ("total", "acknowledged", "pending", "overdue", "percent")
    out = _campaign_out(c, {k: figures["overall"][k] for k in keys})
    out["groups"] = [{"name": g["name"], **{k: g[k] for k in keys}} for g in figures["groups"]]
    return out


# --- people -----------------------------------------------------------------------------------


class PersonRef(Schema):
    email: str
    external_id: str | None


class RequestOut(Schema):
    campaign_id: int
    campaign_label: str
    guideline: GuidelineRef
    version: int
    due_date: dt.date
    state: str
    acknowledged_at: dt.datetime | None


class PersonStatus(Schema):
    email: str
    name: str
    external_id: str | None
    active: bool
    staff_group: str | None
    requests: list[RequestOut]


MAX_REQUESTS = 200


@api.get(
    "/people/status",
    response=PersonStatus,
    summary="A person's acknowledgement status",
    **scoped(Scope.PEOPLE),
)
def person_status(request: HttpRequest, email: str = "", external_id: str = "") -> dict[str, Any]:
    """Find a person by e-mail or by the HR system's employee id; their latest requests."""
    if bool(email) == bool(external_id):
        raise ValidationError(
            [{"loc": ("query", "email"), "msg": "Give either email or external_id."}]
        )
    qs = Membership.objects.filter(organization=org_of(request)).select_related(
        "user", "staff_group"
    )
    found = (
        qs.filter(user__email=normalize_email(email))
        if email
        else qs.filter(external_id=external_id)
    ).first()
    if found is None:
        raise Http404
    today = timezone.localdate()
    asked = (
        AckRequest.objects.filter(membership=found)
        .select_related("campaign__version__guideline")
        .order_by("-created_at", "-pk")[:MAX_REQUESTS]
    )
    return {
        "email": found.user.email,
        "name": found.user.full_name,
        "external_id": found.external_id,
        "active": found.is_active,
        "staff_group": found.staff_group.name if found.staff_group else None,
        "requests": [
            {
                "campaign_id": r.campaign_id,
                "campaign_label": r.campaign.label,
                "guideline": {
                    "id": r.campaign.version.guideline.pk,
                    "slug": r.campaign.version.guideline.slug,
                    "title": r.campaign.version.guideline.title,
                },
                "version": r.campaign.version.number,
                "due_date": r.due_date,
                "state": r.state(today),
                "acknowledged_at": r.acknowledged_at,
            }
            for r in asked
        ],
    }


# --- acknowledgements ---------------------------------------------------------------------------


class AcknowledgementOut(Schema):
    id: int
    person: PersonRef
    guideline: GuidelineRef
    version: int
    content_hash: str
    acknowledged_at: dt.datetime
    campaign_id: int | None


class AcknowledgementPage(Schema):
    items: list[AcknowledgementOut]
    next_cursor: str | None


@api.get(
    "/acknowledgements",
    response=AcknowledgementPage,
    summary="Acknowledgements since a time",
    **scoped(Scope.ACKNOWLEDGEMENTS),
)
def acknowledgements(
    request: HttpRequest,
    since: dt.datetime | None = None,
    cursor: str = "",
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    """Oldest first by (time, id); keep ``next_cursor`` and poll with it. The newest few
    seconds are held back until they settle, so a record still committing is never skipped.
    ``next_cursor`` is given even on the last page: poll again with it later."""
    org = org_of(request)
    qs = Acknowledgement.objects.filter(organization=org)
    settled = timezone.now() - dt.timedelta(seconds=settings.CHARTER_API_SETTLE_SECONDS)
    qs = qs.filter(acknowledged_at__lte=settled)
    if cursor:
        data = decode_cursor(cursor, "t", "id")
        try:
            moment = dt.datetime.fromisoformat(str(data["t"]))
            last_id = int(data["id"])
        except (TypeError, ValueError) as exc:
            raise BadCursor from exc
        qs = qs.filter(Q(acknowledged_at__gt=moment) | Q(acknowledged_at=moment, pk__gt=last_id))
    elif since is not None:
        if timezone.is_naive(since):
            since = timezone.make_aware(since, dt.UTC)
        qs = qs.filter(acknowledged_at__gte=since)
    page = list(
        qs.select_related("user", "version__guideline", "request").order_by(
            "acknowledged_at", "pk"
        )[:limit]
    )
    external = (
        dict(
            Membership.objects.filter(
                organization=org, user_id__in={a.user_id for a in page}
            ).values_list("user_id", "external_id")
        )
        if page
        else {}
    )
    items = [
        {
            "id": a.pk,
            "person": {"email": a.user.email, "external_id": external.get(a.user_id)},
            "guideline": {
                "id": a.version.guideline.pk,
                "slug": a.version.guideline.slug,
                "title": a.version.guideline.title,
            },
            "version": a.version.number,
            "content_hash": a.content_hash,
            "acknowledged_at": a.acknowledged_at,
            "campaign_id": a.request.campaign_id if a.request else None,
        }
        for a in page
    ]
    next_cursor: str | None = cursor or None
    if page:
        next_cursor = encode_cursor({"t": page[-1].acknowledged_at.isoformat(), "id": page[-1].pk})
    return {"items": items, "next_cursor": next_cursor}


# --- audit ------------------------------------------------------------------------------------


MAX_CURSOR_LANES = 256


def _lane_positions(data: dict[str, Any]) -> tuple[dict[int, int], dt.datetime | None]:
    """A cursor's position per lane, and the ``since`` it started from (if any)."""
    lanes = data.get("lanes")
    # Bounded: a lane per institution chain, far fewer than this even if lanes are added.
    if not isinstance(lanes, dict) or len(lanes) > MAX_CURSOR_LANES:
        raise BadCursor
    positions = {}
    for lane, seq in lanes.items():
        if not (isinstance(lane, str) and lane.isdigit()) or type(seq) is not int:
            raise BadCursor
        positions[int(lane)] = seq
    since = None
    if "since" in data:
        try:
            since = dt.datetime.fromisoformat(str(data["since"]))
        except ValueError as exc:
            raise BadCursor from exc
        if timezone.is_naive(since):
            raise BadCursor
    return positions, since


class AuditEventOut(Schema):
    lane: int
    sequence: int
    created_at: dt.datetime
    action: str
    actor: str
    object_type: str
    object_id: str
    object_repr: str
    guideline_id: int | None
    details: dict[str, Any]
    ip_address: str | None
    hash: str
    prev_hash: str


class AuditPage(Schema):
    items: list[AuditEventOut]
    next_cursor: str | None


@api.get(
    "/audit-events",
    response=AuditPage,
    summary="Audit events (for a SIEM)",
    **scoped(Scope.AUDIT),
)
def audit_events(
    request: HttpRequest,
    since: dt.datetime | None = None,
    cursor: str = "",
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    """The institution's audit trail in the order things happened. The trail is several hash
    chains: the institution's main chain (``lane`` 0) and personal lanes that hold people's
    acknowledgements; within a lane, ``sequence`` is commit order (each event is appended
    under a lock on its chain's head) and ``prev_hash`` and ``hash`` let a SIEM check that
    nothing was removed between two events of the lane. The cursor keeps a position per lane,
    so following it never misses an event."""
    org = org_of(request)
    positions: dict[int, int] = {}
    if cursor:
        data = decode_cursor(cursor)
        if "seq" in data:  # a cursor from before lanes: every event then was in lane 0
            data = {"lanes": {"0": data["seq"]}}
        positions, since = _lane_positions(data)
    elif since is not None and timezone.is_naive(since):
        since = timezone.make_aware(since, dt.UTC)
    page, after = trail.page_after(org.pk, positions, limit=limit, since=since)
    items = [
        {
            "lane": e.lane,
            "sequence": e.sequence,
            "created_at": e.created_at,
            "action": e.action,
            "actor": e.actor_label,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "object_repr": e.object_repr,
            "guideline_id": e.guideline_id,
            "details": e.details,
            "ip_address": e.ip_address,
            "hash": e.hash,
            "prev_hash": e.prev_hash,
        }
        for e in page
    ]
    next_cursor: str | None = cursor or None
    if page:
        state: dict[str, Any] = {"lanes": {str(lane): seq for lane, seq in after.items()}}
        if since is not None:
            # Lanes not read yet start from ``since`` on later pages too.
            state["since"] = since.isoformat()
        next_cursor = encode_cursor(state)
    return {"items": items, "next_cursor": next_cursor}
