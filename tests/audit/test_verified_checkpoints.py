"""Signed checkpoints stored in the database: routine verification starts at a chain's last one
and reads only what came after; a forged, altered or contradicted checkpoint is reported."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.models import AppendOnlyError, AuditEvent, ChainHead, VerifiedCheckpoint
from audit.services import record
from audit.signing import Keyring
from audit.verify import FULL, ROUTINE, _chains_with_events, check_chain, verify
from tests.audit.tampering import fetch_head, intact_report, set_head, sql, tampered_report


def _events(org, n, action="test.event"):
    return [record(action, organization=org, details={"n": i}) for i in range(n)]


def _chain(result, org):
    return next(c for c in result.chains if c.organization_id == org.pk)


def test_routine_verification_reads_only_the_events_after_the_last_checkpoint(org):
    _events(org, 5)
    full = verify(mode=FULL, write_checkpoints=True)
    assert not full.problems and full.mode == FULL and full.checkpoints_written >= 1
    stored = VerifiedCheckpoint.objects.get(chain=ChainHead.key_for(org.pk))
    assert (stored.count, stored.mode) == (5, FULL)
    assert stored.event_id == AuditEvent.objects.get(organization=org, sequence=5).pk
    _events(org, 3)
    routine = verify(mode=ROUTINE, write_checkpoints=True)
    chain = _chain(routine, org)
    assert not routine.problems
    assert (chain.mode, chain.start, chain.walked, chain.sequence) == (ROUTINE, 5, 3, 8)
    assert "routine verification" in routine.describe()
    latest = VerifiedCheckpoint.objects.filter(chain=stored.chain).order_by("-count").first()
    assert latest is not None and (latest.count, latest.mode) == (8, ROUTINE)
    # Nothing new: the check reads nothing and stores no second checkpoint for the same place.
    again = verify(mode=ROUTINE, write_checkpoints=True)
    assert _chain(again, org).walked == 0
    assert VerifiedCheckpoint.objects.filter(chain=stored.chain).count() == 2


def test_without_a_checkpoint_routine_verification_reads_every_event(org):
    _events(org, 4)
    result = verify(mode=ROUTINE)
    chain = _chain(result, org)
    assert (chain.mode, chain.start, chain.walked) == (FULL, 0, 4)
    assert "no chain had a checkpoint yet" in result.describe()
    assert not VerifiedCheckpoint.objects.exists()  # not asked to write one


def test_a_forged_checkpoint_is_reported_in_both_modes(org):
    events = _events(org, 4)
    verify(write_checkpoints=True)
    # Someone with database access adds a checkpoint further on, without the audit key.
    sql(
        "INSERT INTO audit_verifiedcheckpoint (chain, count, event_id, hash, mode, created_at, "
        "key_id, mac) VALUES (%s, %s, %s, %s, 'full', CURRENT_TIMESTAMP, %s, %s)",
        [ChainHead.key_for(org.pk), 4, events[-1].pk, events[-1].hash, "0" * 16, "f" * 64],
    )
    for mode in (ROUTINE, FULL):
        problems = verify(mode=mode).problems
        assert len(problems) == 1 and "forged or altered" in problems[0].reason, mode


def test_an_altered_checkpoint_is_reported(org):
    _events(org, 6)
    verify(write_checkpoints=True)
    # Moving a genuine checkpoint back (to skip a stretch of history) breaks its MAC.
    sql("UPDATE audit_verifiedcheckpoint SET count = 2")
    problem = check_chain(org.pk, keys=Keyring.from_settings(), mode=ROUTINE).problem
    assert problem is not None and "forged or altered" in problem.reason


def test_the_event_a_checkpoint_names_must_still_be_the_same(org):
    _events(org, 4)
    verify(write_checkpoints=True)
    last = AuditEvent.objects.get(organization=org, sequence=4)
    sql("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [last.pk])
    problem = check_chain(org.pk, keys=Keyring.from_settings(), mode=ROUTINE).problem
    assert problem is not None and problem.event_id == last.pk
    assert "altered" in problem.reason


def test_events_removed_before_the_checkpoint_are_counted_missing(org):
    events = _events(org, 5)
    verify(write_checkpoints=True)
    _events(org, 2)
    sql("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    problem = check_chain(org.pk, keys=Keyring.from_settings(), mode=ROUTINE).problem
    assert problem is not None and "removed" in problem.reason


def test_a_tail_cut_back_behind_a_checkpoint_is_caught_by_the_routine_check(org):
    _events(org, 3)
    old_head = fetch_head(org.pk)  # a genuine head, as a backup would hold it
    _events(org, 3)
    verify(write_checkpoints=True)
    sql("DELETE FROM audit_auditevent WHERE organization_id = %s AND sequence > 3", [org.pk])
    set_head(org.pk, old_head[0], old_head[1], old_head[2])
    problem = check_chain(org.pk, keys=Keyring.from_settings(), mode=ROUTINE).problem
    assert problem is not None and problem.sequence == 6 and "removed" in problem.reason


def test_only_the_full_check_sees_an_older_event_rewritten_before_the_checkpoint(org):
    """What the routine mode gives up, on purpose (docs/security.md): it does not re-read
    history a checkpoint already vouched for."""
    events = _events(org, 5)
    verify(write_checkpoints=True)
    sql("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [events[1].pk])
    keys = Keyring.from_settings()
    assert check_chain(org.pk, keys=keys, mode=ROUTINE).problem is None
    problem = check_chain(org.pk, keys=keys, mode=FULL).problem
    assert problem is not None and problem.event_id == events[1].pk


def test_checkpoints_are_append_only(org):
    _events(org, 2)
    verify(write_checkpoints=True)
    cp = VerifiedCheckpoint.objects.get()
    with pytest.raises(AppendOnlyError):
        VerifiedCheckpoint.objects.update(count=1)
    with pytest.raises(AppendOnlyError):
        VerifiedCheckpoint.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        cp.save()
    with pytest.raises(AppendOnlyError):
        cp.delete()


def test_the_commands_say_which_mode_ran_and_store_checkpoints(org, capsys, tmp_path):
    _events(org, 3)
    out = intact_report(capsys)
    assert "full verification" in out and "signed checkpoint(s) stored" in out
    _events(org, 2)
    out = intact_report(capsys, "--routine")
    assert "routine verification" in out and "2 events read one by one" in out
    lines = tmp_path / "lines.jsonl"
    call_command("audit_checkpoint", "--append", str(lines), "--routine")
    assert "routine verification" in capsys.readouterr().err and lines.read_text()
    sql("UPDATE audit_verifiedcheckpoint SET hash = %s", ["0" * 64])
    err = tampered_report(capsys, "--routine")
    assert "TAMPERED" in err and "forged or altered" in err


def test_the_page_checks_from_the_last_checkpoint_and_says_so(auditor, org):
    record("accounts.user.signed_in", actor=auditor.user, organization=org)
    client = auditor.client()
    first = client.post(reverse("audit:check"), follow=True).content.decode()
    assert "The audit trail is intact" in first and "every event was read" in first
    second = client.post(reverse("audit:check"), follow=True).content.decode()
    assert "checked from the signed checkpoint" in second
    assert "1 newer events read one by one" in second  # the first check's own event
    event = AuditEvent.objects.filter(action="audit.chain.checked").order_by("-sequence")[0]
    assert event.details["mode"] == ROUTINE and event.details["from_event"] >= 1


def test_chains_are_found_without_reading_every_event(
    org, other_org, django_assert_max_num_queries
):
    # Four chains, a personal lane and the institution-less one among them; every head deleted,
    # so only the events name them. Finding them costs one probe per institution and one per
    # chain (plus one to learn each has no more), however many events each holds.
    _events(org, 6)
    record("test.event", organization=org, lane=5)
    _events(other_org, 2)
    record("test.event", organization=None)
    sql("DELETE FROM audit_chainhead")
    with django_assert_max_num_queries(10):
        found = _chains_with_events()
    assert found == {(org.pk, 0), (org.pk, 5), (other_org.pk, 0), (None, 0)}
    result = verify(mode=ROUTINE)
    assert {(c.organization_id, c.lane) for c in result.chains} == found
    assert result.problems  # headless chains are reported, not skipped
