"""Every way of rewriting the audit trail through the database, without the audit key, is
reported by ``verify_audit`` with the institution and the event or position it starts at."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from audit.services import record
from tests.audit.tampering import (
    fetch_head,
    intact_report,
    rehash_from,
    set_head,
    sql,
    tampered_report,
)


@pytest.fixture
def trail(org, other_org, admin):
    """Nine events in Riverside's chain, two in Lakeside's, one without an institution."""
    events = [
        record("test.step", actor=admin.user, organization=org, details={"step": n})
        for n in range(1, 10)
    ]
    record("test.lakeside", organization=other_org)
    record("test.lakeside", organization=other_org)
    record("test.global")
    return events


def test_an_untouched_trail_verifies_intact(trail, capsys):
    assert intact_report(capsys).startswith(
        "Audit trail intact: 12 events in 3 chains verified — full verification"
    )


def test_every_event_carries_a_mac_under_the_current_key(trail):
    assert all(len(e.mac) == 64 and e.key_id for e in trail)
    assert len({e.mac for e in trail}) == len(trail)


def test_editing_one_event_is_named(trail, capsys):
    victim = trail[4]
    sql("UPDATE audit_auditevent SET details = %s WHERE id = %s", ['{"step": 50}', victim.pk])
    report = tampered_report(capsys)
    assert f"org:{victim.organization_id} (Riverside): event #{victim.pk} at position 5" in report
    assert "content was altered" in report
    assert "Lakeside" not in report


def test_deleting_one_event_is_named(trail, capsys):
    sql("DELETE FROM audit_auditevent WHERE id = %s", [trail[3].pk])
    report = tampered_report(capsys)
    assert "(Riverside): position 4: removed (the chain jumps from 3 to 5)" in report


def test_deleting_the_tail_is_named(trail, capsys):
    sql("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [trail[7].pk, trail[8].pk])
    report = tampered_report(capsys)
    assert "(Riverside): position 8: removed (the chain ends at 7; its head records 9" in report


def test_deleting_the_tail_and_rewinding_the_head_is_named(trail, capsys):
    sql("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [trail[7].pk, trail[8].pk])
    set_head(trail[0].organization_id, 7, trail[6].hash)
    report = tampered_report(capsys)
    assert "(Riverside): position 7: the chain head's MAC does not match" in report


def test_a_rewound_head_cannot_borrow_the_mac_of_the_event_it_points_at(trail, capsys):
    """Event and head MACs are made over differently labelled messages."""
    sql("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [trail[7].pk, trail[8].pk])
    set_head(trail[0].organization_id, 7, trail[6].hash, mac=trail[6].mac)
    report = tampered_report(capsys)
    assert "(Riverside): position 7: the chain head's MAC does not match" in report


def test_deleting_every_event_of_an_institution_is_named(trail, capsys):
    sql("DELETE FROM audit_auditevent WHERE organization_id = %s", [trail[0].organization_id])
    report = tampered_report(capsys)
    assert "(Riverside): position 1: removed (the chain ends at 0; its head records 9" in report
    assert "9 are missing" in report


def test_deleting_every_event_and_resetting_the_head_is_named(trail, capsys):
    org_id = trail[0].organization_id
    sql("DELETE FROM audit_auditevent WHERE organization_id = %s", [org_id])
    set_head(org_id, 0, "0" * 64, mac="")
    report = tampered_report(capsys)
    assert "(Riverside): position 0: the chain head's MAC does not match" in report


def test_deleting_the_head_of_a_chain_that_still_has_events_is_named(trail, capsys):
    sql("DELETE FROM audit_chainhead WHERE key = %s", [f"org:{trail[0].organization_id}"])
    report = tampered_report(capsys)
    assert "(Riverside): position 9: the chain head is missing" in report


def test_rewriting_one_event_and_rehashing_the_rest_is_named(trail, capsys):
    """The whole unkeyed chain is consistent again; only the MAC gives it away."""
    victim = trail[2]
    sql("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["test.forged", victim.pk])
    rehash_from(victim.organization_id, victim.sequence)
    forged = AuditEvent.objects.get(pk=victim.pk)
    assert forged.hash == forged.compute_hash()  # the old verification would pass
    report = tampered_report(capsys)
    assert f"(Riverside): event #{victim.pk} at position 3: its MAC does not match" in report


def test_a_mac_copied_from_another_event_does_not_fit(trail, capsys):
    victim = trail[5]
    sql("UPDATE audit_auditevent SET mac = %s WHERE id = %s", [trail[4].mac, victim.pk])
    report = tampered_report(capsys)
    assert f"event #{victim.pk} at position 6: its MAC does not match" in report


def test_an_event_signed_with_an_unknown_key_is_named(trail, capsys):
    victim = trail[1]
    sql("UPDATE audit_auditevent SET key_id = %s WHERE id = %s", ["0123456789abcdef", victim.pk])
    report = tampered_report(capsys)
    assert (
        f"event #{victim.pk} at position 2: it is signed with audit key 0123456789abcdef" in report
    )


def test_an_event_added_beyond_the_head_is_named(trail, capsys):
    """A copy of the last event, renumbered: its hash, and so its MAC, no longer fit."""
    last = trail[-1]
    sql(
        "INSERT INTO audit_auditevent (organization_id, actor_id, actor_label, action, "
        "object_type, object_id, object_repr, guideline_id, details, ip_address, user_agent, "
        "created_at, sequence, prev_hash, hash, mac, key_id) "
        "SELECT organization_id, actor_id, actor_label, action, object_type, object_id, "
        "object_repr, guideline_id, details, ip_address, user_agent, created_at, 10, hash, "
        "hash, mac, key_id FROM audit_auditevent WHERE id = %s",
        [last.pk],
    )
    report = tampered_report(capsys)
    assert "(Riverside): event #" in report and "at position 10" in report


def test_every_tampered_chain_is_reported_not_only_the_first(trail, other_org, capsys):
    sql("DELETE FROM audit_auditevent WHERE id = %s", [trail[0].pk])
    sql("DELETE FROM audit_auditevent WHERE organization_id = %s", [other_org.pk])
    report = tampered_report(capsys)
    assert "(Riverside)" in report and "(Lakeside)" in report


def test_the_head_keeps_a_mac_of_where_the_chain_ends(trail):
    sequence, hash, mac, key_id = fetch_head(trail[0].organization_id)
    assert (sequence, hash) == (9, trail[-1].hash)
    assert len(mac) == 64 and key_id == trail[-1].key_id
