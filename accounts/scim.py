"""SCIM 2.0 (RFC 7643/7644) for an institution's directory: Users, Groups and discovery.

What Entra ID and Okta actually send is the specification here: filters on ``userName`` and
``externalId``, PATCH operations named ``Replace``/``replace``/``Add``/``Remove`` with and
without a path, ``active`` as a string, the enterprise extension's department and manager. The
bearer token decides the institution; another institution's ids are simply not there (404).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser
from scim2_filter_parser.transpilers.django_q_object import Transpiler

from audit.services import record
from config import ratelimit

from . import directory
from .directory import DirectoryError, PersonState
from .emails import normalize_email
from .models import DirectoryGroup, DirectoryToken, EmployeeType, Membership, Organization

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CHARTER = "urn:charter:params:scim:schemas:extension:hr:1.0:User"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
CONTENT_TYPE = "application/scim+json"
MAX_COUNT = 200


class ScimRequest(HttpRequest):
    organization: Organization
    directory_token: DirectoryToken


def scim_response(data: Any, status: int = 200, **headers: str) -> HttpResponse:
    response = JsonResponse(data, status=status, content_type=CONTENT_TYPE, safe=False)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def scim_error(status: int, detail: str, scim_type: str = "", **headers: str) -> HttpResponse:
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return scim_response(body, status=status, **headers)


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    kind, _, token = header.partition(" ")
    return token.strip() if kind.lower() == "bearer" else ""


def _rate_limited(token: DirectoryToken) -> ratelimit.Verdict:
    """A fixed window per token: a runaway sync cannot crowd out the institution's staff.

    Counted as the API counts (config/ratelimit.py): per process while Redis is out of reach.
    Keyed by the token itself, not its row id: ids can be reused, a token never is."""
    return ratelimit.hit(
        "scim-rate", token.token_hash, limit=settings.CHARTER_SCIM_RATE_PER_MINUTE, window=60
    )


def scim_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Directory only: a live bearer token of the institution, within its rate limit."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = directory.token_for(_bearer(request))
        if token is None:
            return scim_error(401, "A valid bearer token is required.", WWW_Authenticate="Bearer")
        verdict = _rate_limited(token)
        if verdict.limited:
            return scim_error(
                429,
                "Too many requests; try again in a minute.",
                Retry_After=str(verdict.retry_after),
            )
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            DirectoryToken.objects.filter(pk=token.pk).update(last_used_at=now)
        scim = request
        scim.organization = token.organization  # type: ignore[attr-defined]
        scim.directory_token = token  # type: ignore[attr-defined]
        try:
            return view(scim, *args, **kwargs)
        except DirectoryError as exc:
            return scim_error(exc.status, str(exc), exc.scim_type)

    return wrapper


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise DirectoryError("The body is not JSON.", scim_type="invalidSyntax") from exc
    if not isinstance(data, dict):
        raise DirectoryError("The body must be a JSON object.", scim_type="invalidSyntax")
    return data


def _truthy(value: Any) -> bool:
    """Entra ID sends ``"False"`` as a string in PATCH; JSON booleans come too."""
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "")
    return bool(value)


def _location(request: HttpRequest, kind: str, pk: int) -> str:
    return request.build_absolute_uri(f"/scim/v2/{kind}/{pk}")


# --- filters ----------------------------------------------------------------------------------

_USER_NAME = "@username"
USER_ATTRS = {
    ("username", None, None): _USER_NAME,
    ("externalid", None, None): "external_id",
    ("id", None, None): "pk",
    ("active", None, None): "is_active",
    ("emails", "value", None): "user__email",
    ("emails", None, None): "user__email",
    ("displayname", None, None): "user__full_name",
    ("title", None, None): "job_title",
    ("department", None, ENTERPRISE.lower() + ":"): "staff_group__name",
    ("department", None, None): "staff_group__name",
}
GROUP_ATTRS = {
    ("displayname", None, None): "display_name",
    ("externalid", None, None): "external_id",
    ("id", None, None): "pk",
    ("members", "value", None): "members__pk",
    ("members", None, None): "members__pk",
}


class _Transpiler(Transpiler):
    """The library's Django transpiler, with equality on names and ids that the indexes serve:
    addresses are stored lower-case, external ids compared exactly (RFC 7643 caseExact)."""

    def visit_AttrExpr(self, node: Any) -> Any:
        attr = None if not hasattr(node.attr_path, "attr_name") else self.visit(node.attr_path)
        op = str(node.value).lower()
        value = self.visit(node.comp_value) if node.comp_value else None
        if attr == _USER_NAME:
            if op not in ("eq", "ne") or not isinstance(value, str):
                raise DirectoryError("userName supports eq and ne.", scim_type="invalidFilter")
            name = value.strip().lower()
            query = Q(user__email=normalize_email(value)) | Q(directory_user_name=name)
            return ~query if op == "ne" else query
        if attr in ("external_id", "user__email", "pk") and op == "eq":
            if attr == "user__email":
                value = normalize_email(str(value))
            if attr == "pk":
                value = int(str(value)) if str(value).isdigit() else 0
            return Q(**{attr: value})
        if attr is None and not hasattr(node.attr_path.attr_name, "expr"):
            raise DirectoryError(
                "Filtering on that attribute is not supported.", scim_type="invalidFilter"
            )
        return super().visit_AttrExpr(node)


def _filtered(qs: QuerySet[Any], text: str, attrs: dict[Any, str]) -> QuerySet[Any]:
    if not text:
        return qs
    try:
        tree = SCIMParser().parse(SCIMLexer().tokenize(text))
        query = _Transpiler(attrs).transpile(tree)
    except DirectoryError as exc:
        raise DirectoryError(str(exc), scim_type="invalidFilter") from exc
    except Exception as exc:  # the parser's own errors: a filter it cannot read
        raise DirectoryError(
            f"The filter could not be read: {text[:200]}", scim_type="invalidFilter"
        ) from exc
    if query is None:
        raise DirectoryError(
            "Filtering on that attribute is not supported.", scim_type="invalidFilter"
        )
    return qs.filter(query).distinct() if "members" in str(query) else qs.filter(query)


def _page(request: HttpRequest) -> tuple[int, int]:
    try:
        start = max(1, int(request.GET.get("startIndex", 1)))
        count = min(MAX_COUNT, max(0, int(request.GET.get("count", 100))))
    except ValueError as exc:
        raise DirectoryError("startIndex and count are numbers.", scim_type="invalidValue") from exc
    return start, count


def _list(items: list[dict[str, Any]], total: int, start: int) -> dict[str, Any]:
    return {
        "schemas": [LIST],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(items),
        "Resources": items,
    }


# --- users ------------------------------------------------------------------------------------


def _users(organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related(
        "user", "staff_group", "manager__user"
    )


def user_resource(request: HttpRequest, m: Membership) -> dict[str, Any]:
    name = m.user.full_name
    manager: dict[str, Any] = {}
    if m.manager_id and m.manager:
        manager = {"value": str(m.manager_id), "displayName": m.manager.user.full_name}
    return {
        "schemas": [USER, ENTERPRISE, CHARTER],
        "id": str(m.pk),
        "externalId": m.external_id,
        "userName": m.directory_user_name or m.user.email,
        "name": {"formatted": name},
        "displayName": name,
        "emails": [{"value": m.user.email, "type": "work", "primary": True}],
        "active": m.is_active,
        "title": m.job_title,
        "userType": m.get_employee_type_display(),
        ENTERPRISE: {
            "department": m.staff_group.name if m.staff_group_id and m.staff_group else "",
            **({"manager": manager} if manager else {}),
        },
        CHARTER: {"site": m.site, "employeeType": m.employee_type},
        "meta": {
            "resourceType": "User",
            "created": m.joined_at.isoformat(),
            "lastModified": (m.deactivated_at or m.joined_at).isoformat(),
            "location": _location(request, "Users", m.pk),
        },
    }


def _flat_user(data: dict[str, Any]) -> dict[str, Any]:
    """A User body as flat keys (our attribute names); attributes not sent are left out."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        _put_user_attr(flat, key, value)
    return flat


def _path_key(path: str) -> tuple[str, str]:
    """A PATCH path as (attribute, sub-attribute), extension URNs and filters removed."""
    text = path.strip()
    lowered = text.lower()
    for urn in (ENTERPRISE, CHARTER, USER):
        if lowered.startswith(urn.lower() + ":"):
            text = text[len(urn) + 1 :]
            break
        if lowered == urn.lower():
            return urn.lower(), ""
    base, _, sub = text.partition(".")
    if "[" in base:  # emails[type eq "work"].value: the one work address
        base = base.split("[", 1)[0]
    return base.strip().lower(), sub.strip().lower()


def _text(attr: str, value: Any) -> str:
    """A string attribute's value: a number is taken as written; an object, a list or a
    boolean is refused (400 invalidValue) rather than failing deep in the update."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise DirectoryError(f"{attr} must be a string.", scim_type="invalidValue")


def _put_user_attr(flat: dict[str, Any], key: str, value: Any) -> None:
    attr, sub = _path_key(key)
    if attr in (ENTERPRISE.lower(), CHARTER.lower(), USER.lower()):
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                _put_user_attr(flat, inner, inner_value)
        return
    if attr == "username":
        flat["user_name"] = None if value is None else _text("userName", value)
    elif attr == "externalid":
        flat["external_id"] = _text("externalId", value)
    elif attr == "active":
        flat["active"] = _truthy(value)
    elif attr == "displayname":
        flat["display_name"] = None if value is None else _text("displayName", value)
    elif attr == "name":
        parts = value if isinstance(value, dict) else {sub: value}
        for part, text in parts.items():
            flat[f"name.{part.lower()}"] = _text(f"name.{part}", text)
    elif attr == "emails":
        if isinstance(value, list):
            chosen = next((e for e in value if isinstance(e, dict) and e.get("primary")), None)
            chosen = chosen or next(
                (e for e in value if isinstance(e, dict) and e.get("type") == "work"), None
            )
            chosen = chosen or (value[0] if value and isinstance(value[0], dict) else None)
            if chosen and chosen.get("value"):
                flat["email"] = _text("emails.value", chosen["value"])
        elif value:
            flat["email"] = _text("emails", value)
    elif attr == "title":
        flat["job_title"] = _text("title", value)
    elif attr in ("usertype", "employeetype"):
        flat["employee_type"] = _text("userType", value)
    elif attr == "department":
        flat["department"] = _text("department", value)
    elif attr == "site":
        flat["site"] = _text("site", value)
    elif attr == "manager":
        if isinstance(value, dict):
            value = value.get("value")
        flat["manager"] = _text("manager", value)
    # Anything else (phone numbers, addresses, locale...) is not kept by Charter: accepted and
    # ignored, as RFC 7644 allows, so a directory's full profile never fails a sync.


def _state(organization: Organization, flat: dict[str, Any]) -> PersonState:
    state = PersonState()
    for key in ("user_name", "external_id", "active", "job_title", "department", "site"):
        if key in flat:
            setattr(state, key, flat[key])
    if "email" in flat:
        state.email = flat["email"]
    elif flat.get("user_name") and "@" in str(flat["user_name"]):
        state.email = flat["user_name"]
    full = flat.get("name.formatted") or " ".join(
        p for p in (flat.get("name.givenname"), flat.get("name.familyname")) if p
    )
    state.full_name = full or flat.get("display_name") or None
    if "employee_type" in flat:
        state.employee_type = EmployeeType.from_text(str(flat["employee_type"])) or "employee"
    if "manager" in flat:
        state.manager_id = directory.resolve_manager(organization, str(flat["manager"]))
    return state


@scim_view
def users(request: ScimRequest) -> HttpResponse:
    """GET: list and filter people; POST: add one."""
    if request.method == "POST":
        flat = _flat_user(_body(request))
        if not flat.get("user_name") and not flat.get("email"):
            raise DirectoryError("userName is required.", scim_type="invalidValue")
        state = _state(request.organization, flat)
        if state.active is None:
            state.active = True
        m = directory.create_person(organization=request.organization, state=state)
        m = _users(request.organization).get(pk=m.pk)
        body = user_resource(request, m)
        return scim_response(body, status=201, Location=body["meta"]["location"])
    if request.method != "GET":
        return scim_error(405, "Use GET or POST here.")
    qs = _filtered(_users(request.organization), request.GET.get("filter", ""), USER_ATTRS)
    start, count = _page(request)
    total = qs.count()
    page = list(qs.order_by("pk")[start - 1 : start - 1 + count]) if count else []
    return scim_response(_list([user_resource(request, m) for m in page], total, start))


@scim_view
def user(request: ScimRequest, pk: str) -> HttpResponse:
    """GET, PUT (replace), PATCH (operations) or DELETE (deactivate: never removed) one person."""
    found = _users(request.organization).filter(pk=int(pk) if pk.isdigit() else 0).first()
    if found is None:
        return scim_error(404, "No such user here.")
    if request.method == "GET":
        return scim_response(user_resource(request, found))
    if request.method == "PUT":
        flat = _flat_user(_body(request))
        for blank in ("job_title", "site", "department", "employee_type", "manager"):
            flat.setdefault(blank, "")  # PUT replaces: what is not sent is cleared
        state = _state(request.organization, flat)
        directory.update_person(membership=found, state=state)
    elif request.method == "PATCH":
        state = _patched_user(request, found, _body(request))
        directory.update_person(membership=found, state=state)
    elif request.method == "DELETE":
        directory.update_person(membership=found, state=PersonState(active=False))
        return HttpResponse(status=204)
    else:
        return scim_error(405, "Use GET, PUT, PATCH or DELETE here.")
    return scim_response(user_resource(request, _users(request.organization).get(pk=found.pk)))


def _operations(body: dict[str, Any]) -> list[dict[str, Any]]:
    ops = body.get("Operations") or body.get("operations")
    if not isinstance(ops, list) or not ops:
        raise DirectoryError("A PATCH needs Operations.", scim_type="invalidSyntax")
    for op in ops:
        if not isinstance(op, dict) or str(op.get("op", "")).lower() not in (
            "add",
            "replace",
            "remove",
        ):
            raise DirectoryError(
                "Each operation is add, replace or remove.", scim_type="invalidSyntax"
            )
    return ops


def _patched_user(request: ScimRequest, m: Membership, body: dict[str, Any]) -> PersonState:
    flat: dict[str, Any] = {}
    for op in _operations(body):
        kind = str(op["op"]).lower()
        path = op.get("path")
        value = op.get("value")
        if kind == "remove":
            if not path:
                raise DirectoryError("remove needs a path.", scim_type="noTarget")
            cleared: dict[str, Any] = {}
            _put_user_attr(cleared, str(path), None)
            flat.update({k: ("" if v is None else v) for k, v in cleared.items()})
        elif path:
            # Okta and Entra wrap single values: [{"value": "..."}]
            if (
                isinstance(value, list)
                and len(value) == 1
                and isinstance(value[0], dict)
                and _path_key(str(path))[0] != "emails"
            ):
                value = value[0].get("value", value[0])
            _put_user_attr(flat, str(path), value)
        elif isinstance(value, dict):
            for key, inner in value.items():
                _put_user_attr(flat, key, inner)
        else:
            raise DirectoryError("An operation without a path needs an object value.")
    return _state(request.organization, flat)


# --- groups -----------------------------------------------------------------------------------


def _groups(organization: Organization) -> QuerySet[DirectoryGroup]:
    return DirectoryGroup.objects.filter(organization=organization)


def group_resource(request: HttpRequest, g: DirectoryGroup, *, members: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [GROUP],
        "id": str(g.pk),
        "externalId": g.external_id,
        "displayName": g.display_name,
        "meta": {
            "resourceType": "Group",
            "created": g.created_at.isoformat(),
            "lastModified": g.updated_at.isoformat(),
            "location": _location(request, "Groups", g.pk),
        },
    }
    if members:
        body["members"] = [
            {"value": str(pk), "display": name or email}
            for pk, name, email in g.members.order_by("pk").values_list(
                "pk", "user__full_name", "user__email"
            )
        ]
    return body


def _member_ids(organization: Organization, value: Any) -> list[int]:
    items = value if isinstance(value, list) else [value]
    wanted = {
        int(v["value"]) if isinstance(v, dict) else int(v)
        for v in items
        if (isinstance(v, dict) and str(v.get("value", "")).isdigit())
        or (isinstance(v, str | int) and str(v).isdigit())
    }
    return list(
        Membership.objects.filter(organization=organization, pk__in=wanted).values_list(
            "pk", flat=True
        )
    )


def _record_group(request: ScimRequest, action: str, g: DirectoryGroup, **details: Any) -> None:
    record(
        f"accounts.directory.group_{action}",
        organization=request.organization,
        obj=g,
        details={"source": directory.SCIM, "group": g.display_name, **details},
        actor_label=directory.SCIM,
    )


def _changed_people(request: ScimRequest, ids: list[int]) -> None:
    if ids:
        directory._announce(request.organization, ids)


@scim_view
def groups(request: ScimRequest) -> HttpResponse:
    """GET: list and filter the directory's groups; POST: add one (with members)."""
    if request.method == "POST":
        data = _body(request)
        name = str(data.get("displayName") or "").strip()[:200]
        if not name:
            raise DirectoryError("displayName is required.", scim_type="invalidValue")
        ext = str(data.get("externalId") or "").strip()[:255] or None
        with transaction.atomic():
            if ext and _groups(request.organization).filter(external_id=ext).exists():
                raise DirectoryError(
                    "A group with that externalId exists.", status=409, scim_type="uniqueness"
                )
            g = DirectoryGroup.objects.create(
                organization=request.organization, display_name=name, external_id=ext
            )
            ids = _member_ids(request.organization, data.get("members") or [])
            g.members.add(*ids)
            _record_group(request, "added", g, members_added=len(ids))
            _changed_people(request, ids)
        body = group_resource(request, g, members=True)
        return scim_response(body, status=201, Location=body["meta"]["location"])
    if request.method != "GET":
        return scim_error(405, "Use GET or POST here.")
    qs = _filtered(_groups(request.organization), request.GET.get("filter", ""), GROUP_ATTRS)
    start, count = _page(request)
    members = "members" not in request.GET.get("excludedAttributes", "").lower()
    total = qs.count()
    page = list(qs.order_by("pk")[start - 1 : start - 1 + count]) if count else []
    items = [group_resource(request, g, members=members) for g in page]
    return scim_response(_list(items, total, start))


@scim_view
def group(request: ScimRequest, pk: str) -> HttpResponse:
    """GET, PUT, PATCH (members and name) or DELETE one directory group."""
    g = _groups(request.organization).filter(pk=int(pk) if pk.isdigit() else 0).first()
    if g is None:
        return scim_error(404, "No such group here.")
    if request.method == "GET":
        members = "members" not in request.GET.get("excludedAttributes", "").lower()
        return scim_response(group_resource(request, g, members=members))
    if request.method == "DELETE":
        with transaction.atomic():
            ids = list(g.members.values_list("pk", flat=True))
            _record_group(request, "removed", g, members_removed=len(ids))
            g.members.clear()
            g.delete()
            _changed_people(request, ids)
        return HttpResponse(status=204)
    if request.method not in ("PUT", "PATCH"):
        return scim_error(405, "Use GET, PUT, PATCH or DELETE here.")
    data = _body(request)
    with transaction.atomic():
        g = DirectoryGroup.objects.select_for_update().get(pk=g.pk)
        before = set(g.members.values_list("pk", flat=True))
        after = set(before)
        name = g.display_name
        if request.method == "PUT":
            name = str(data.get("displayName") or name).strip()[:200]
            after = set(_member_ids(request.organization, data.get("members") or []))
        else:
            for op in _operations(data):
                kind, path, value = (
                    str(op["op"]).lower(),
                    str(op.get("path") or ""),
                    op.get("value"),
                )
                attr = path.split("[", 1)[0].strip().lower()
                if not path and isinstance(value, dict):
                    name = str(value.get("displayName") or name).strip()[:200]
                    if "members" in value:
                        ids = _member_ids(request.organization, value["members"])
                        after = set(ids) if kind == "replace" else after | set(ids)
                elif attr == "displayname":
                    name = str(value or name).strip()[:200]
                elif attr == "members":
                    if kind == "remove":
                        if "[" in path:  # members[value eq "12"]
                            target = path.split('"')[1] if '"' in path else ""
                            after -= set(_member_ids(request.organization, target))
                        elif value is None:
                            after = set()
                        else:
                            after -= set(_member_ids(request.organization, value))
                    elif kind == "replace":
                        after = set(_member_ids(request.organization, value))
                    else:
                        after |= set(_member_ids(request.organization, value))
                elif attr == "externalid":
                    g.external_id = str(value or "").strip()[:255] or None
        added, removed = after - before, before - after
        g.display_name = name
        g.save()
        if added:
            g.members.add(*added)
        if removed:
            g.members.remove(*removed)
        if added or removed or name != g.display_name:
            _record_group(
                request, "changed", g, members_added=len(added), members_removed=len(removed)
            )
        _changed_people(request, sorted(added | removed))
    return scim_response(group_resource(request, g, members=True))


# --- discovery --------------------------------------------------------------------------------


@scim_view
def service_provider_config(request: ScimRequest) -> HttpResponse:
    return scim_response(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": "https://github.com/",
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": MAX_COUNT},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "Bearer token",
                    "description": "The token an institution admin makes on Charter's "
                    "Directory sync page.",
                    "primary": True,
                }
            ],
            "meta": {"resourceType": "ServiceProviderConfig"},
        }
    )


def _attribute(name: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "multiValued": False,
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
        **extra,
    }


SCHEMAS = [
    {
        "id": USER,
        "name": "User",
        "description": "A person of the institution",
        "attributes": [
            _attribute("userName", required=True, uniqueness="server"),
            _attribute("externalId", caseExact=True),
            _attribute(
                "name",
                "complex",
                subAttributes=[
                    _attribute("formatted"),
                    _attribute("givenName"),
                    _attribute("familyName"),
                ],
            ),
            _attribute("displayName"),
            _attribute("title"),
            _attribute("userType"),
            _attribute("active", "boolean"),
            _attribute("emails", "complex", multiValued=True),
        ],
    },
    {
        "id": ENTERPRISE,
        "name": "EnterpriseUser",
        "description": "Enterprise User",
        "attributes": [
            _attribute("department"),
            _attribute("manager", "complex", subAttributes=[_attribute("value")]),
        ],
    },
    {
        "id": CHARTER,
        "name": "CharterHR",
        "description": "HR attributes Charter targets campaigns by",
        "attributes": [
            _attribute("site"),
            _attribute(
                "employeeType", canonicalValues=[value for value, _ in EmployeeType.choices]
            ),
        ],
    },
    {
        "id": GROUP,
        "name": "Group",
        "description": "A directory group",
        "attributes": [
            _attribute("displayName", required=True),
            _attribute("members", "complex", multiValued=True),
        ],
    },
]


@scim_view
def schemas(request: ScimRequest) -> HttpResponse:
    items = [{**s, "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"]} for s in SCHEMAS]
    return scim_response(_list(items, len(items), 1))


@scim_view
def resource_types(request: ScimRequest) -> HttpResponse:
    items: list[dict[str, Any]] = [
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "schema": USER,
            "schemaExtensions": [
                {"schema": ENTERPRISE, "required": False},
                {"schema": CHARTER, "required": False},
            ],
        },
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "schema": GROUP,
        },
    ]
    return scim_response(_list(items, len(items), 1))
