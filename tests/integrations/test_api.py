"""The REST API: each operation answers its scope, for its token's institution only."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from integrations import services
from integrations.models import ApiToken, Scope
from publishing import services as publishing
from tests.factories import MembershipFactory, UserFactory
from tests.integrations.support import call, make_token

ALL = [s.value for s in Scope]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def problem_of(response):
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == response.status_code
    assert "Traceback" not in response.content.decode()
    return body


def ack(persona, version):
    return publishing.acknowledge(version=version, user=persona.user, confirmed=True)


def test_guidelines_list_the_version_in_force(published, admin):
    raw = make_token(admin, Scope.GUIDELINES)
    response = call(raw, "/api/v1/guidelines")
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["slug"] == "social-media"
    assert item["in_force"]["version"] == 1
    assert item["in_force"]["content_hash"] == published.version.content_hash
    assert response.json()["next_cursor"] is None

    detail = call(raw, f"/api/v1/guidelines/{item['id']}").json()
    assert [(v["number"], v["in_force"]) for v in detail["versions"]] == [(1, True)]
    assert detail["versions"][0]["publication_id"] == published.pk


def test_publications_and_campaigns_with_their_figures(published, admin, employee):
    ack(employee, published.version)
    raw = make_token(admin, Scope.PUBLICATIONS, Scope.CAMPAIGNS)
    [pub] = call(raw, "/api/v1/publications").json()["items"]
    assert (pub["id"], pub["version"], pub["in_force"]) == (published.pk, 1, True)
    assert call(raw, f"/api/v1/publications/{published.pk}").json()["id"] == published.pk

    [campaign] = call(raw, "/api/v1/campaigns", status="open").json()["items"]
    figures = campaign["figures"]
    assert figures["acknowledged"] == 1
    assert figures["total"] == figures["acknowledged"] + figures["pending"]
    detail = call(raw, f"/api/v1/campaigns/{campaign['id']}").json()
    assert detail["figures"] == figures
    assert sum(g["total"] for g in detail["groups"]) == figures["total"]


def test_a_persons_status_by_email_or_employee_id(published, admin, employee):
    employee.membership.external_id = "E-1042"
    employee.membership.save()
    raw = make_token(admin, Scope.PEOPLE)
    by_email = call(raw, "/api/v1/people/status", email=employee.email.upper())
    assert by_email.status_code == 200
    assert by_email.json()["requests"][0]["state"] == "pending"
    ack(employee, published.version)
    by_id = call(raw, "/api/v1/people/status", external_id="E-1042").json()
    assert by_id["email"] == employee.email
    assert by_id["requests"][0]["state"] == "acknowledged"

    assert call(raw, "/api/v1/people/status", email="nobody@riverside.test").status_code == 404
    neither = call(raw, "/api/v1/people/status")
    assert neither.status_code == 422
    assert problem_of(neither)["type"].endswith("#problem-validation")


def test_acknowledgements_since_a_time_paged_by_a_stable_cursor(
    published, admin, employee, author, legal, compliance, auditor
):
    before = timezone.now() - dt.timedelta(seconds=1)
    people = [employee, author, legal, compliance, auditor]
    for persona in people:
        ack(persona, published.version)
    raw = make_token(admin, Scope.ACKNOWLEDGEMENTS)
    seen, cursor = [], ""
    first = call(raw, "/api/v1/acknowledgements", since=before.isoformat(), limit=2).json()
    seen += first["items"]
    cursor = first["next_cursor"]
    while True:
        page = call(raw, "/api/v1/acknowledgements", cursor=cursor, limit=2).json()
        if not page["items"]:
            break
        seen += page["items"]
        cursor = page["next_cursor"]
    assert [a["person"]["email"] for a in seen] == [p.email for p in people]
    assert len({a["id"] for a in seen}) == len(people)
    # A poller keeps its cursor: the next acknowledgement, and only it, comes next time.
    late = MembershipFactory(organization=admin.org, user=UserFactory(email="late@riverside.test"))
    publishing.acknowledge(version=published.version, user=late.user, confirmed=True)
    page = call(raw, "/api/v1/acknowledgements", cursor=cursor).json()
    assert [a["person"]["email"] for a in page["items"]] == ["late@riverside.test"]


def test_acknowledgements_still_settling_are_held_back(published, admin, employee, settings):
    settings.CHARTER_API_SETTLE_SECONDS = 5
    ack(employee, published.version)
    raw = make_token(admin, Scope.ACKNOWLEDGEMENTS)
    assert call(raw, "/api/v1/acknowledgements").json()["items"] == []
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=6)):
        assert len(call(raw, "/api/v1/acknowledgements").json()["items"]) == 1


def test_audit_events_in_chain_order_for_a_siem(published, admin):
    raw = make_token(admin, Scope.AUDIT)
    seen, cursor = [], ""
    while True:
        page = call(raw, "/api/v1/audit-events", cursor=cursor, limit=3).json()
        if not page["items"]:
            break
        seen += page["items"]
        cursor = page["next_cursor"]
    sequences = [e["sequence"] for e in seen]
    assert sequences == list(range(1, len(seen) + 1))
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(seen))
    assert "publishing.version.published" in {e["action"] for e in seen}
    # Making the token was audited too, and the token's value is nowhere in the trail.
    assert "integrations.token.created" in {e["action"] for e in seen}
    assert raw not in json.dumps(seen)


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer cht_not-a-real-token", "Basic YWRtaW46cGFzcw==", "Bearer chs_scim"],
)
def test_no_valid_token_is_401_problem(published, header):
    response = Client().get("/api/v1/guidelines", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    problem_of(response)


def test_revoked_and_expired_tokens_stop_working(published, admin):
    raw = make_token(admin, Scope.GUIDELINES, days=1)
    assert call(raw, "/api/v1/guidelines").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        assert call(raw, "/api/v1/guidelines").status_code == 401
    token = ApiToken.objects.get()
    assert services.revoke_token(token=token, by=admin.user)
    assert call(raw, "/api/v1/guidelines").status_code == 401


def test_a_token_without_the_scope_is_403(published, admin):
    raw = make_token(admin, *[s for s in ALL if s != Scope.AUDIT])
    response = call(raw, "/api/v1/audit-events")
    assert response.status_code == 403
    body = problem_of(response)
    assert body["scope"] == "read:audit"
    assert body["type"].endswith("#problem-missing-scope")


def test_another_institutions_ids_are_not_found(published, outsider):
    raw = make_token(outsider, *ALL)
    campaign = published.campaign
    for path in (
        f"/api/v1/guidelines/{published.guideline_id}",
        f"/api/v1/publications/{published.pk}",
        f"/api/v1/campaigns/{campaign.pk}",
    ):
        response = call(raw, path)
        assert response.status_code == 404, path
        problem_of(response)
    assert call(raw, "/api/v1/guidelines").json()["items"] == []
    assert call(raw, "/api/v1/acknowledgements").json()["items"] == []
    assert all(
        e["action"].startswith("integrations.")
        for e in call(raw, "/api/v1/audit-events").json()["items"]
    )
    assert call(raw, "/api/v1/people/status", email="employee@riverside.test").status_code == 404


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/guidelines", {"limit": "0"}),
        ("/api/v1/guidelines", {"limit": "5000"}),
        ("/api/v1/guidelines", {"cursor": "not-a-cursor"}),
        ("/api/v1/acknowledgements", {"since": "yesterday"}),
        ("/api/v1/campaigns", {"status": "sleeping"}),
        ("/api/v1/guidelines/abc", {}),
    ],
)
def test_bad_parameters_are_422_problems(published, admin, path, query):
    raw = make_token(admin, *ALL)
    response = Client().get(path, query, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code in (404, 422)
    body = problem_of(response)
    if response.status_code == 422:
        assert body["errors"]


def test_the_rate_limit_answers_429_with_retry_after(published, admin, settings):
    settings.CHARTER_API_RATE_PER_MINUTE = 3
    raw = make_token(admin, Scope.GUIDELINES)
    other = make_token(admin, Scope.GUIDELINES)
    # All within one minute's window, however slow the machine.
    moment = timezone.now().replace(second=5, microsecond=0) + dt.timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):
        codes = [call(raw, "/api/v1/guidelines").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        response = call(raw, "/api/v1/guidelines")
        assert response["Retry-After"] == "55"  # the seconds left in the window, not always 60
        problem_of(response)
        # Another token of the same institution has its own allowance.
        assert call(other, "/api/v1/guidelines").status_code == 200
    with time_machine.travel(moment + dt.timedelta(minutes=1), tick=False):
        assert call(raw, "/api/v1/guidelines").status_code == 200  # the next minute


def test_retry_after_is_the_time_until_the_window_resets(published, admin, settings):
    """A client that waits as told is served on its next try, and not made to wait longer."""
    settings.CHARTER_API_RATE_PER_MINUTE = 1
    raw = make_token(admin, Scope.GUIDELINES)
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    with time_machine.travel(start + dt.timedelta(seconds=1), tick=False):
        assert call(raw, "/api/v1/guidelines").status_code == 200
    for elapsed, expected in [(2, "58"), (30.5, "30"), (59.9, "1")]:
        with time_machine.travel(start + dt.timedelta(seconds=elapsed), tick=False):
            limited = call(raw, "/api/v1/guidelines")
        assert (limited.status_code, limited["Retry-After"]) == (429, expected)
    with time_machine.travel(start + dt.timedelta(seconds=60), tick=False):
        assert call(raw, "/api/v1/guidelines").status_code == 200  # as promised


def test_with_the_cache_down_each_process_counts_and_no_call_fails(
    published, admin, settings, caplog, redis_unreachable
):
    """Redis out of reach: the API keeps answering, and still refuses a token over its limit
    (counted by this process alone until the shared counter is back)."""
    settings.CHARTER_API_RATE_PER_MINUTE = 3
    raw = make_token(admin, Scope.GUIDELINES)
    moment = timezone.now().replace(second=5, microsecond=0) + dt.timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):
        responses = [call(raw, "/api/v1/guidelines") for _ in range(5)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
    problem_of(responses[-1])
    assert responses[-1]["Retry-After"] == "55"
    warnings = [r for r in caplog.records if "counted per process" in r.getMessage()]
    assert len(warnings) == 1, "one warning a minute, not one a call"
    with time_machine.travel(moment + dt.timedelta(minutes=1), tick=False):
        assert call(raw, "/api/v1/guidelines").status_code == 200  # a new window


def test_a_crash_is_a_500_problem_without_a_traceback(published, admin, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("integrations.api._in_force_by_guideline", broken)
    raw = make_token(admin, Scope.GUIDELINES)
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/guidelines", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 500
    assert "secret internals" not in problem_of(response)["detail"]


def test_every_error_under_api_is_a_problem(db):
    for path in ("/api/v2/guidelines", "/api/v1/nothing-here", "/api/"):
        response = Client().get(path)
        assert response.status_code == 404, path
        problem_of(response)
    for method in ("post", "put", "patch", "delete"):
        response = getattr(Client(), method)("/api/v1/guidelines")
        assert response.status_code == 405, method
        assert response["Allow"] == "GET"
        problem_of(response)


def test_last_used_is_written_at_most_once_a_minute(published, admin, django_assert_num_queries):
    raw = make_token(admin, Scope.GUIDELINES)
    call(raw, "/api/v1/guidelines")
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    call(raw, "/api/v1/guidelines")
    assert ApiToken.objects.get().last_used_at == first
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        call(raw, "/api/v1/guidelines")
    later = ApiToken.objects.get().last_used_at
    assert later is not None and later > first


def test_the_openapi_description_names_each_operations_scope(db):
    schema = Client().get("/api/v1/openapi.json").json()
    scopes = {
        op.get("x-charter-scope") for methods in schema["paths"].values() for op in methods.values()
    }
    assert set(ALL) <= scopes
    assert schema["info"]["title"] == "Charter API"


def test_the_docs_page_works_offline(db):
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/acknowledgements" in text and "read:audit" in text
    assert "cdn" not in text.lower() and "swagger" not in text.lower()


LISTS = [
    "/api/v1/guidelines",
    "/api/v1/publications",
    "/api/v1/campaigns",
    "/api/v1/acknowledgements",
    "/api/v1/audit-events",
]


def test_list_operations_are_bounded(published, admin, django_assert_max_num_queries):
    from tests.factories import GuidelineFactory

    raw = make_token(admin, *ALL)
    made = 0
    for size in (3, 40):
        for i in range(made, size):
            member = MembershipFactory(
                organization=admin.org,
                user=UserFactory(email=f"p{i}@riverside.test"),
                external_id=f"E{i}",
            )
            publishing.acknowledge(version=published.version, user=member.user, confirmed=True)
            GuidelineFactory(organization=admin.org, slug=f"g{i}", created_by=admin.user)
        made = size
        for path in LISTS:
            with django_assert_max_num_queries(6):
                response = call(raw, path, limit=500)
            assert response.status_code == 200, path
            assert len(response.json()["items"]) >= 1, path
        with django_assert_max_num_queries(5):
            person = call(raw, "/api/v1/people/status", external_id="E1")
        assert person.json()["email"] == "p1@riverside.test"
