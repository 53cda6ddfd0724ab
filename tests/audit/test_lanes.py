"""Several chains per institution: each person's acknowledgements are chained in their own
lane, so that people acknowledging at once do not wait for each other's chain head; checks,
checkpoints, the trail's pages, its exports and the SIEM feed cover every lane."""

from __future__ import annotations

import base64
import csv
import io
import itertools
import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from audit.models import PERSONAL_LANES, AuditEvent, ChainHead, VerifiedCheckpoint, personal_lane
from audit.services import record
from audit.signing import Keyring
from audit.trail import page_after
from audit.verify import FULL, ROUTINE, check_institution, verify, verify_chain
from integrations.models import Scope
from publishing import services as publishing
from tests.audit.tampering import sql
from tests.factories import member_in_lane
from tests.integrations.support import call, make_token

ACKNOWLEDGED = "publishing.version.acknowledged"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_a_key_names_the_institution_and_the_lane():
    assert ChainHead.key_for(5) == "org:5"
    assert ChainHead.key_for(5, 3) == "org:5/3"
    assert ChainHead.key_for(None, 2) == "global/2"
    for key in ("org:5", "org:5/3", "global", "global/2"):
        assert ChainHead.key_for(*ChainHead.chain_of(key)) == key
    for bad in ("org:5/0", "org:5/", "org:5/x", "org:5/03", "org:/3", "lane:3", "org:5/3/1"):
        with pytest.raises(ValueError):
            ChainHead.chain_of(bad)


def test_lanes_are_stable_and_spread_people_out():
    assert personal_lane(41) == personal_lane(41)
    lanes = {personal_lane(pk) for pk in range(1, 200)}
    assert lanes == set(range(1, PERSONAL_LANES + 1))


def test_the_main_chain_is_hashed_as_before_lanes_and_a_lane_covers_its_number(org):
    main = record("test.event", organization=org)
    assert "lane" not in main.payload()  # events written before lanes keep their hashes
    first_of_lane = record("test.event", organization=org, lane=3)
    assert (first_of_lane.lane, first_of_lane.sequence) == (3, 1)
    assert first_of_lane.prev_hash == "0" * 64
    assert first_of_lane.payload()["lane"] == 3
    assert first_of_lane.position == "3·1" and main.position == "1"


def test_acknowledgements_are_chained_in_each_persons_lane(published, employee):
    org = employee.org
    other = member_in_lane(org, avoid={personal_lane(employee.user.pk)})
    for user in (employee.user, other):
        publishing.acknowledge(version=published.version, user=user, confirmed=True)
    events = AuditEvent.objects.filter(action=ACKNOWLEDGED).order_by("actor_id")
    assert [(e.actor_id, e.lane) for e in events] == sorted(
        (u.pk, personal_lane(u.pk)) for u in (employee.user, other)
    )
    assert all(e.sequence == 1 for e in events)  # each opened its lane
    result = verify(mode=FULL)
    assert not result.problems
    chains = {(c.organization_id, c.lane) for c in result.chains}
    assert {(org.pk, 0), *((org.pk, e.lane) for e in events)} <= chains
    assert verify_chain(org.pk) is None


def test_an_event_moved_or_removed_in_a_lane_is_reported_with_its_lane(published, employee):
    org = employee.org
    publishing.acknowledge(version=published.version, user=employee.user, confirmed=True)
    event = AuditEvent.objects.get(action=ACKNOWLEDGED)
    lane_key = ChainHead.key_for(org.pk, event.lane)
    # Moved into the main chain at its next position: the main chain's head does not know
    # it, the lane has lost its only event, and the event's own hash no longer matches.
    main_end = AuditEvent.objects.filter(organization=org, lane=0).count()
    sql(
        "UPDATE audit_auditevent SET lane = 0, sequence = %s WHERE id = %s",
        [main_end + 1, event.pk],
    )
    problems = verify(mode=FULL).problems
    assert any(p.chain == lane_key and "removed" in p.reason for p in problems)
    assert verify_chain(org.pk) is not None


def test_the_check_page_checks_every_lane_and_leaves_a_checkpoint_for_each(
    published, employee, auditor
):
    org = employee.org
    publishing.acknowledge(version=published.version, user=employee.user, confirmed=True)
    lane = personal_lane(employee.user.pk)
    client = auditor.client()
    first = client.post(reverse("audit:check"), follow=True).content.decode()
    assert "The audit trail is intact" in first and "in 2 chains" in first
    stored = set(VerifiedCheckpoint.objects.values_list("chain", flat=True))
    assert {ChainHead.key_for(org.pk), ChainHead.key_for(org.pk, lane)} <= stored
    second = client.post(reverse("audit:check"), follow=True).content.decode()
    assert "checked from the signed checkpoints" in second
    assert [
        r.mode for r in check_institution(org.pk, keys=Keyring.from_settings(), mode=ROUTINE)
    ] == [
        ROUTINE,
        ROUTINE,
    ]
    # A lane altered behind its checkpoint is found by the routine check too.
    sql("UPDATE audit_auditevent SET object_repr = 'x' WHERE lane = %s", [lane])
    third = client.post(reverse("audit:check"), follow=True).content.decode()
    assert "The audit trail is broken" in third and f"org:{org.pk}/{lane}" in third


def test_the_trail_page_and_export_show_the_lane(published, employee, admin):
    publishing.acknowledge(version=published.version, user=employee.user, confirmed=True)
    lane = personal_lane(employee.user.pk)
    page = admin.client().get(reverse("audit:events")).content.decode()
    assert f'<td data-label="#">{lane}·1</td>' in page
    body = b"".join(admin.client().get(reverse("audit:export")).streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    acknowledged = [r for r in rows if r["action"] == ACKNOWLEDGED]
    assert [(r["lane"], r["sequence"]) for r in acknowledged] == [(str(lane), "1")]
    assert {r["lane"] for r in rows} == {"0", str(lane)}


def _interleaved(org, n=12):
    """Events spread over the main chain and two lanes, one after the other."""
    for i in range(n):
        record("test.event", organization=org, lane=(0, 3, 5)[i % 3], details={"i": i})


def _follow(raw, *, limit, **query):
    seen: list[dict] = []
    cursor = ""
    for _ in range(100):
        page = call(raw, "/api/v1/audit-events", limit=limit, cursor=cursor, **query).json()
        if not page["items"]:
            return seen, cursor
        seen += page["items"]
        cursor = page["next_cursor"]
    raise AssertionError("the cursor never reached the end")


def test_the_siem_feed_follows_every_lane_and_misses_nothing(org, admin):
    raw = make_token(admin, Scope.AUDIT)
    _interleaved(org)
    seen, cursor = _follow(raw, limit=2)
    everything = AuditEvent.objects.filter(organization=org)
    assert sorted((e["lane"], e["sequence"]) for e in seen) == sorted(
        everything.values_list("lane", "sequence")
    )
    assert [e["details"].get("i") for e in seen if e["action"] == "test.event"] == list(range(12))
    for lane in (0, 3, 5):
        mine = [e for e in seen if e["lane"] == lane]
        assert [e["sequence"] for e in mine] == list(range(1, len(mine) + 1))
        assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(mine))
    # What comes later, in any lane, follows on from the last cursor.
    record("test.later", organization=org, lane=5)
    record("test.later", organization=org, lane=9)
    later = call(raw, "/api/v1/audit-events", cursor=cursor).json()["items"]
    assert [(e["action"], e["lane"]) for e in later] == [("test.later", 5), ("test.later", 9)]


def test_a_cursor_from_before_lanes_continues_the_main_chain(org, admin):
    raw = make_token(admin, Scope.AUDIT)
    _interleaved(org, 6)
    old = base64.urlsafe_b64encode(json.dumps({"seq": 1}).encode()).decode().rstrip("=")
    items = call(raw, "/api/v1/audit-events", cursor=old).json()["items"]
    got = {(e["lane"], e["sequence"]) for e in items}
    main = set(AuditEvent.objects.filter(organization=org, lane=0).values_list("lane", "sequence"))
    assert (0, 1) not in got and main - {(0, 1)} <= got
    assert {(3, 1), (3, 2), (5, 1), (5, 2)} <= got


def test_since_holds_for_lanes_first_seen_on_a_later_page(org, admin):
    import time_machine
    from django.utils import timezone

    raw = make_token(admin, Scope.AUDIT)
    start = timezone.now()
    with time_machine.travel(start):
        record("test.old", organization=org, lane=7)
    with time_machine.travel(start.replace(year=start.year + 1)):
        _interleaved(org, 6)
    since = start.replace(year=start.year + 1).isoformat()
    seen, _ = _follow(raw, limit=1, since=since)
    assert "test.old" not in {e["action"] for e in seen}
    assert len([e for e in seen if e["action"] == "test.event"]) == 6


@pytest.mark.parametrize(
    "state",
    [
        {"lanes": {"x": 1}},
        {"lanes": {"0": "1"}},
        {"lanes": [1, 2]},
        {"lanes": {str(i): 1 for i in range(300)}},
        {"lanes": {"0": 1}, "since": "yesterday"},
        {"lanes": {"0": 1}, "since": "2026-01-01T00:00:00"},
        {"seq": "1"},
    ],
)
def test_a_bad_cursor_is_a_clear_422(org, admin, state):
    raw = make_token(admin, Scope.AUDIT)
    cursor = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
    response = call(raw, "/api/v1/audit-events", cursor=cursor)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def test_a_page_of_the_trail_is_two_reads_however_many_lanes(org, django_assert_num_queries):
    for lane in range(PERSONAL_LANES + 1):
        record("test.event", organization=org, lane=lane)
    with django_assert_num_queries(2):
        page, after = page_after(org.pk, {}, limit=5)
    assert len(page) == 5
    assert after == {e.lane: e.sequence for e in page}
