"""SCIM 2.0 as Entra ID and Okta speak it: the request sequences their docs and test tools send."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import directory
from accounts.models import DirectoryGroup, Membership, StaffGroup, User
from audit.models import AuditEvent

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class Scim:
    """A directory's client: bearer token, JSON in and out."""

    def __init__(self, token: str) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None) -> Any:
        send = getattr(self.client, method.lower())
        kwargs: dict[str, Any] = dict(self.headers)
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/scim+json"
        response = send(f"/scim/v2/{path}", **kwargs)
        response.json_body = json.loads(response.content) if response.content else None
        return response


@pytest.fixture
def scim(admin) -> Scim:
    return Scim(directory.issue_token(organization=admin.org, issued_by=admin.user))


@pytest.fixture
def lakeside_scim(outsider) -> Scim:
    return Scim(directory.issue_token(organization=outsider.org, issued_by=outsider.user))


def test_entra_user_lifecycle(scim, admin, nursing):
    """Microsoft's SCIM validator sequence: probe, create, find, update, disable, delete."""
    probe = scim.call("GET", 'Users?filter=userName eq "Test_User_dfeef4c5"')
    assert probe.status_code == 200
    assert probe.json_body["totalResults"] == 0 and probe.json_body["Resources"] == []

    created = scim.call(
        "POST",
        "Users",
        {
            "schemas": [USER, ENTERPRISE],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Ana.Lima@Riverside.test",
            "active": True,
            "emails": [{"primary": True, "type": "work", "value": "ana.lima@riverside.test"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Ana Lima", "familyName": "Lima", "givenName": "Ana"},
            "title": "Nurse",
            ENTERPRISE: {"department": "Nursing", "employeeNumber": "701"},
            "roles": [],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json_body
    assert created["Content-Type"] == "application/scim+json"
    assert body["userName"] == "ana.lima@riverside.test" and body["active"] is True
    assert body[ENTERPRISE]["department"] == "Nursing"
    assert created["Location"].endswith(f"/scim/v2/Users/{body['id']}")
    ana = Membership.objects.get(pk=body["id"])
    assert ana.staff_group == nursing and ana.job_title == "Nurse" and ana.is_active
    assert not ana.user.has_usable_password()

    found = scim.call("GET", 'Users?filter=userName eq "ana.lima@RIVERSIDE.test"')
    assert [r["id"] for r in found.json_body["Resources"]] == [body["id"]]
    by_ext = scim.call("GET", 'Users?filter=externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')
    assert by_ext.json_body["totalResults"] == 1

    patched = scim.call(
        "PATCH",
        f"Users/{body['id']}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {
                    "op": "Replace",
                    "path": 'emails[type eq "work"].value',
                    "value": "ana.lima-moore@riverside.test",
                },
                {"op": "Replace", "path": "name.formatted", "value": "Ana Lima-Moore"},
                {
                    "op": "Add",
                    "path": f"{ENTERPRISE}:manager",
                    "value": str(admin.membership.pk),
                },
                {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Radiology"},
            ],
        },
    )
    assert patched.status_code == 200, patched.content
    ana.refresh_from_db()
    assert ana.user.email == "ana.lima-moore@riverside.test"
    assert ana.user.full_name == "Ana Lima-Moore"
    assert ana.manager == admin.membership
    assert ana.staff_group == StaffGroup.objects.get(organization=admin.org, name="Radiology")

    disabled = scim.call(
        "PATCH",
        f"Users/{body['id']}",
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
        },
    )
    assert disabled.status_code == 200 and disabled.json_body["active"] is False
    ana.refresh_from_db()
    assert not ana.is_active and ana.deactivated_at is not None

    deleted = scim.call("DELETE", f"Users/{body['id']}")
    assert deleted.status_code == 204
    assert Membership.objects.filter(pk=body["id"]).exists()  # never deleted, only deactivated

    events = list(
        AuditEvent.objects.filter(action__startswith="accounts.directory.person").order_by("pk")
    )
    assert [e.action for e in events] == [
        "accounts.directory.person_added",
        "accounts.directory.person_updated",
        "accounts.directory.person_deactivated",
    ]
    assert all(e.details["source"] == "directory (SCIM)" for e in events)
    assert events[1].details["changes"]["email"] == [
        "ana.lima@riverside.test",
        "ana.lima-moore@riverside.test",
    ]


def test_entra_patch_without_path_and_user_principal_name(scim, admin):
    created = scim.call(
        "POST",
        "Users",
        {
            "schemas": [USER],
            "userName": "bo.chen@riverside.onmicrosoft.test",
            "emails": [{"type": "work", "value": "bo@riverside.test", "primary": True}],
            "displayName": "Bo Chen",
            "active": True,
        },
    )
    assert created.status_code == 201
    pk = created.json_body["id"]
    assert created.json_body["userName"] == "bo.chen@riverside.onmicrosoft.test"
    assert (
        scim.call("GET", 'Users?filter=userName eq "Bo.Chen@riverside.onmicrosoft.test"').json_body[
            "totalResults"
        ]
        == 1
    )
    response = scim.call(
        "PATCH",
        f"Users/{pk}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {
                    "op": "replace",
                    "value": {
                        "active": False,
                        "title": "Pharmacist",
                        f"{ENTERPRISE}:department": "Pharmacy",
                    },
                }
            ],
        },
    )
    assert response.status_code == 200, response.content
    bo = Membership.objects.get(pk=pk)
    assert not bo.is_active and bo.job_title == "Pharmacist" and bo.staff_group is not None
    remove = scim.call(
        "PATCH",
        f"Users/{pk}",
        {"schemas": [PATCH_OP], "Operations": [{"op": "Remove", "path": "title"}]},
    )
    assert remove.status_code == 200 and remove.json_body["title"] == ""


def test_okta_user_lifecycle(scim, admin):
    """Okta's SCIM 2.0 test sequence: search, create, read, PUT to update, PATCH to deactivate."""
    search = scim.call(
        "GET", 'Users?filter=userName eq "isa@riverside.test"&startIndex=1&count=100'
    )
    assert search.json_body["totalResults"] == 0
    body = {
        "schemas": [USER],
        "userName": "isa@riverside.test",
        "name": {"givenName": "Isa", "familyName": "Moore"},
        "emails": [{"primary": True, "value": "isa@riverside.test", "type": "work"}],
        "displayName": "Isa Moore",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }
    created = scim.call("POST", "Users", body)
    assert created.status_code == 201
    pk = created.json_body["id"]
    user = User.objects.get(email="isa@riverside.test")
    assert user.full_name == "Isa Moore" and not user.has_usable_password()  # password ignored
    again = scim.call("POST", "Users", body)
    assert again.status_code == 409 and again.json_body["scimType"] == "uniqueness"
    assert again.json_body["schemas"] == [ERROR]

    body["name"] = {"givenName": "Isabel", "familyName": "Moore"}
    body["title"] = "Volunteer coordinator"
    body["userType"] = "Volunteer"
    put = scim.call("PUT", f"Users/{pk}", {**body, "id": pk})
    assert put.status_code == 200
    isa = Membership.objects.get(pk=pk)
    assert isa.user.full_name == "Isabel Moore" and isa.employee_type == "volunteer"

    off = scim.call(
        "PATCH",
        f"Users/{pk}",
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert off.status_code == 200
    isa.refresh_from_db()
    assert not isa.is_active
    on = scim.call(
        "PATCH",
        f"Users/{pk}",
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": True}}]},
    )
    assert on.json_body["active"] is True
    assert AuditEvent.objects.filter(action="accounts.directory.person_reactivated").exists()


def test_groups_as_entra_and_okta_push_them(scim, admin, employee):
    probe = scim.call("GET", 'Groups?excludedAttributes=members&filter=displayName eq "Nurses"')
    assert probe.json_body["totalResults"] == 0
    created = scim.call(
        "POST",
        "Groups",
        {
            "schemas": [GROUP],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Nurses",
            "meta": {"resourceType": "Group"},
        },
    )
    assert created.status_code == 201
    gid = created.json_body["id"]
    add = scim.call(
        "PATCH",
        f"Groups/{gid}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {
                    "op": "Add",
                    "path": "members",
                    "value": [
                        {"$ref": None, "value": str(employee.membership.pk)},
                        {"value": str(admin.membership.pk)},
                    ],
                }
            ],
        },
    )
    assert add.status_code == 200
    group = DirectoryGroup.objects.get(pk=gid)
    assert set(group.members.all()) == {employee.membership, admin.membership}
    # Okta removes by filter path, and renames without a path.
    scim.call(
        "PATCH",
        f"Groups/{gid}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "remove", "path": f'members[value eq "{admin.membership.pk}"]'},
                {"op": "replace", "value": {"id": gid, "displayName": "Nursing staff"}},
            ],
        },
    )
    group.refresh_from_db()
    assert group.display_name == "Nursing staff"
    assert list(group.members.all()) == [employee.membership]
    listed = scim.call("GET", "Groups?excludedAttributes=members")
    assert "members" not in listed.json_body["Resources"][0]
    got = scim.call("GET", f"Groups/{gid}")
    assert got.json_body["members"] == [
        {"value": str(employee.membership.pk), "display": employee.user.full_name}
    ]
    assert scim.call("DELETE", f"Groups/{gid}").status_code == 204
    assert not DirectoryGroup.objects.filter(pk=gid).exists()


def test_discovery_endpoints(scim):
    config = scim.call("GET", "ServiceProviderConfig").json_body
    assert config["patch"]["supported"] is True and config["bulk"]["supported"] is False
    schemas = scim.call("GET", "Schemas").json_body
    assert {s["id"] for s in schemas["Resources"]} >= {USER, GROUP, ENTERPRISE}
    types = scim.call("GET", "ResourceTypes").json_body
    assert {t["endpoint"] for t in types["Resources"]} == {"/Users", "/Groups"}


def test_token_is_required_hashed_and_rotated(admin, client):
    token = directory.issue_token(organization=admin.org, issued_by=admin.user)
    stored = admin.org.directory_tokens.get()
    assert token not in stored.token_hash and stored.token_hash == directory.hash_token(token)
    assert client.get("/scim/v2/Users").status_code == 401
    assert Scim("chs_wrong").call("GET", "Users").status_code == 401
    assert Scim(token).call("GET", "Users").status_code == 200
    newer = directory.issue_token(organization=admin.org, issued_by=admin.user)
    assert Scim(token).call("GET", "Users").status_code == 401  # the old one died
    assert Scim(newer).call("GET", "Users").status_code == 200
    directory.revoke_token(organization=admin.org, revoked_by=admin.user)
    denied = Scim(newer).call("GET", "Users")
    assert denied.status_code == 401 and denied.json_body["schemas"] == [ERROR]
    # A signed-in admin's session is not a directory token.
    assert admin.client().get("/scim/v2/Users").status_code == 401


def test_another_institutions_people_and_groups_are_not_there(
    scim, lakeside_scim, outsider, employee
):
    assert lakeside_scim.call("GET", f"Users/{employee.membership.pk}").status_code == 404
    assert (
        lakeside_scim.call(
            "PATCH",
            f"Users/{employee.membership.pk}",
            {"Operations": [{"op": "replace", "value": {"active": False}}]},
        ).status_code
        == 404
    )
    listed = lakeside_scim.call("GET", f'Users?filter=userName eq "{employee.email}"')
    assert listed.json_body["totalResults"] == 0
    group = scim.call("POST", "Groups", {"displayName": "Riverside only"}).json_body
    assert lakeside_scim.call("GET", f"Groups/{group['id']}").status_code == 404
    # Another institution's person cannot be made a member or a manager here.
    lakeside_group = lakeside_scim.call(
        "POST", "Groups", {"displayName": "L", "members": [{"value": str(employee.membership.pk)}]}
    ).json_body
    assert DirectoryGroup.objects.get(pk=lakeside_group["id"]).members.count() == 0
    employee.membership.refresh_from_db()
    assert employee.membership.is_active


def test_bad_requests_answer_in_scim_error_format(scim):
    bad_filter = scim.call("GET", 'Users?filter=userName eq "unclosed')
    assert bad_filter.status_code == 400 and bad_filter.json_body["scimType"] == "invalidFilter"
    unsupported = scim.call("GET", 'Users?filter=nickName eq "x"')
    assert unsupported.status_code == 400
    bad_json = scim.client.post(
        "/scim/v2/Users", data="{", content_type="application/scim+json", **scim.headers
    )
    assert bad_json.status_code == 400 and json.loads(bad_json.content)["schemas"] == [ERROR]
    no_ops = scim.call("PATCH", "Users/999999", {"Operations": []})
    assert no_ops.status_code == 404


def test_rate_limit(scim, settings):
    settings.CHARTER_SCIM_RATE_PER_MINUTE = 3
    statuses = [scim.call("GET", "ServiceProviderConfig").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    limited = scim.call("GET", "Users")
    assert 1 <= int(limited["Retry-After"]) <= 60 and limited.json_body["status"] == "429"


def test_rate_limit_says_when_the_window_resets(scim, settings):
    settings.CHARTER_SCIM_RATE_PER_MINUTE = 1
    moment = timezone.now().replace(second=20, microsecond=0) + dt.timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):
        assert scim.call("GET", "ServiceProviderConfig").status_code == 200
        limited = scim.call("GET", "ServiceProviderConfig")
    assert (limited.status_code, limited["Retry-After"]) == (429, "40")


def test_rate_limit_with_redis_unreachable_counts_per_process(
    scim, settings, caplog, redis_unreachable
):
    """Redis down: directory syncs keep working, and a runaway one is still stopped (counted
    by this process alone until the shared counter is back)."""
    settings.CHARTER_SCIM_RATE_PER_MINUTE = 3
    moment = timezone.now().replace(second=5, microsecond=0) + dt.timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):
        statuses = [scim.call("GET", "ServiceProviderConfig").status_code for _ in range(5)]
        limited = scim.call("GET", "Users")
    assert statuses == [200, 200, 200, 429, 429]
    assert limited["Retry-After"] == "55"
    assert any("counted per process" in r.getMessage() for r in caplog.records)
    with time_machine.travel(moment + dt.timedelta(minutes=1), tick=False):
        assert scim.call("GET", "ServiceProviderConfig").status_code == 200  # a new window


def test_deactivated_person_cannot_sign_in_with_a_password(scim, employee, password):
    client = Client()
    login = reverse("accounts:login")
    assert client.post(login, {"username": employee.email, "password": password}).status_code == 302
    client.logout()
    scim.call(
        "PATCH",
        f"Users/{employee.membership.pk}",
        {"Operations": [{"op": "replace", "path": "active", "value": False}]},
    )
    refused = client.post(login, {"username": employee.email, "password": password})
    assert refused.status_code == 200 and "could not sign you in" in refused.content.decode()


@pytest.mark.parametrize("staff", [5, 60])
def test_create_and_patch_queries_do_not_grow_with_staff(
    scim, admin, staff, django_assert_max_num_queries
):
    Membership.objects.bulk_create(
        Membership(
            user=User.objects.create(email=f"p{i}@riverside.test", full_name=f"P {i}"),
            organization=admin.org,
        )
        for i in range(staff)
    )
    body = {"userName": "new@riverside.test", "displayName": "New", ENTERPRISE: {}}
    with django_assert_max_num_queries(22):
        created = scim.call("POST", "Users", body)
    assert created.status_code == 201
    with django_assert_max_num_queries(18):
        patched = scim.call(
            "PATCH",
            f"Users/{created.json_body['id']}",
            {"Operations": [{"op": "replace", "path": "title", "value": "Porter"}]},
        )
    assert patched.json_body["title"] == "Porter"


@pytest.mark.parametrize(
    "attributes",
    [
        {"userName": 5, "emails": [{"value": ["x"], "primary": True}]},
        {"userName": ["ana.lima@riverside.test"]},
        {"title": {"text": "Nurse"}},
        {"department": ["Nursing"]},
        {"name": {"givenName": {"first": "Ana"}}},
        {"externalId": True},
    ],
)
def test_a_string_attribute_of_another_type_is_an_invalid_value(scim, admin, attributes):
    """A directory sending an object, a list or a boolean where a string belongs is told so
    (400 invalidValue), on create and on replace, and nobody is made or changed."""
    body = {"schemas": [USER], "userName": "ana.lima@riverside.test", **attributes}
    people = Membership.objects.count()
    created = scim.call("POST", "Users", body)
    assert created.status_code == 400
    assert created.json_body["scimType"] == "invalidValue"
    assert Membership.objects.count() == people
    replaced = scim.call("PUT", f"Users/{admin.membership.pk}", body)
    assert replaced.status_code == 400
    admin.membership.refresh_from_db()
    assert admin.membership.job_title == "" and admin.user.email == "admin@riverside.test"
