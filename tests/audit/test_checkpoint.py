"""Signed checkpoints kept outside the database catch what no key inside it can: a chain cut
back to an earlier state that was itself genuine."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.checkpoints import Checkpoint
from audit.services import record
from audit.signing import Keyring, event_message, head_message
from tests.audit.tampering import fetch_head, intact_report, set_head, sql, tampered_report


@pytest.fixture
def checkpoint_file(tmp_path):
    return tmp_path / "audit-checkpoints.jsonl"


def take_checkpoint(path) -> None:
    call_command("audit_checkpoint", "--append", str(path))


def test_a_checkpoint_is_one_signed_line_per_chain(org, other_org, checkpoint_file):
    for _ in range(3):
        record("test.one", organization=org)
    record("test.two", organization=other_org)
    take_checkpoint(checkpoint_file)
    lines = [json.loads(line) for line in checkpoint_file.read_text().splitlines()]
    assert {(x["chain"], x["sequence"]) for x in lines} == {
        (f"org:{org.pk}", 3),
        (f"org:{other_org.pk}", 1),
    }
    assert all(len(x["mac"]) == 64 and x["key_id"] for x in lines)


def test_a_chain_that_still_reaches_its_checkpoints_verifies(org, checkpoint_file, capsys):
    record("test.one", organization=org)
    take_checkpoint(checkpoint_file)
    record("test.two", organization=org)
    take_checkpoint(checkpoint_file)
    record("test.three", organization=org)
    out = intact_report(capsys, "--checkpoint", str(checkpoint_file))
    assert out.startswith(
        "Audit trail intact: 3 events in 1 chains verified; 2 checkpoints confirmed — full"
    )


def test_a_tail_cut_back_to_an_old_copy_of_the_head_shows_only_against_a_checkpoint(
    org, checkpoint_file, capsys
):
    """The honest limit of a keyed chain: an old head row (from a backup, say) carries a
    genuine MAC, so only a record kept outside the database can tell the chain was longer."""
    events = [record("test.step", organization=org) for _ in range(5)]
    old_head = fetch_head(org.pk)  # the attacker keeps a copy of the head at position 5
    events += [record("test.step", organization=org) for _ in range(3)]
    take_checkpoint(checkpoint_file)
    sql("DELETE FROM audit_auditevent WHERE sequence > 5 AND organization_id = %s", [org.pk])
    set_head(org.pk, old_head[0], old_head[1], mac=old_head[2])
    # A thorough attacker also removes the checkpoints stored in the database.
    sql("DELETE FROM audit_verifiedcheckpoint")

    assert "intact: 5 events" in intact_report(capsys, "--no-store")
    report = tampered_report(capsys, "--checkpoint", str(checkpoint_file))
    assert (
        f"org:{org.pk} (Riverside): position 6: removed (checkpoint {checkpoint_file}:1" in report
    )
    assert "saw the chain reach 8; it now ends at 5" in report


def test_a_chain_deleted_with_its_head_shows_against_a_checkpoint(org, checkpoint_file, capsys):
    record("test.one", organization=org)
    record("test.two", organization=org)
    take_checkpoint(checkpoint_file)
    sql("DELETE FROM audit_auditevent WHERE organization_id = %s", [org.pk])
    sql("DELETE FROM audit_chainhead WHERE key = %s", [f"org:{org.pk}"])
    sql("DELETE FROM audit_verifiedcheckpoint")

    assert "intact: 0 events in 0 chains" in intact_report(capsys)
    report = tampered_report(capsys, "--checkpoint", str(checkpoint_file))
    assert "(Riverside): position 1: removed" in report and "saw the chain reach 2" in report


def test_history_rewritten_with_a_leaked_key_shows_against_an_earlier_checkpoint(
    org, checkpoint_file, capsys
):
    """Whoever holds the key can re-sign history; a checkpoint taken before fixes what was."""
    events = [record("test.step", organization=org) for _ in range(3)]
    take_checkpoint(checkpoint_file)
    keys = Keyring.from_settings()
    forged = events[1]
    forged.action = "test.forged"
    prev = events[0].hash
    for event in events[1:]:
        event.prev_hash = prev
        event.hash = event.compute_hash()
        sql(
            "UPDATE audit_auditevent SET action = %s, prev_hash = %s, hash = %s, mac = %s "
            "WHERE id = %s",
            [event.action, prev, event.hash, keys.sign(event_message(event.hash)), event.pk],
        )
        prev = event.hash
    set_head(org.pk, 3, prev, mac=keys.sign(head_message(f"org:{org.pk}", 3, prev)))
    sql("DELETE FROM audit_verifiedcheckpoint")  # the key would let them re-sign these too

    assert "intact: 3 events" in intact_report(capsys, "--no-store")
    report = tampered_report(capsys, "--checkpoint", str(checkpoint_file))
    assert f"event #{events[2].pk} at position 3: it differs from checkpoint" in report


def test_an_edited_checkpoint_line_is_refused(org, checkpoint_file, capsys):
    record("test.one", organization=org)
    record("test.two", organization=org)
    take_checkpoint(checkpoint_file)
    line = json.loads(checkpoint_file.read_text())
    line["sequence"] = 1  # make the chain look shorter than it was when checked
    checkpoint_file.write_text(json.dumps(line) + "\n")
    report = tampered_report(capsys, "--checkpoint", str(checkpoint_file))
    assert f"checkpoint {checkpoint_file}:1 is not signed by a configured audit key" in report


def test_a_file_that_is_not_checkpoints_is_refused_naming_the_line(org, checkpoint_file):
    record("test.one", organization=org)
    take_checkpoint(checkpoint_file)
    with checkpoint_file.open("a") as f:
        f.write("# kept on the records server\n\nnot json\n")
    with pytest.raises(CommandError, match=f"{checkpoint_file}:4: not a Charter audit checkpoint"):
        call_command("verify_audit", "--checkpoint", str(checkpoint_file))


def test_a_missing_checkpoint_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read checkpoint file"):
        call_command("verify_audit", "--checkpoint", str(tmp_path / "nowhere.jsonl"))


def test_no_checkpoint_vouches_for_a_broken_chain(org, checkpoint_file, capsys):
    victim = record("test.one", organization=org)
    sql("UPDATE audit_auditevent SET action = 'test.edited' WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError, match="No checkpoint written"):
        take_checkpoint(checkpoint_file)
    assert not checkpoint_file.exists()
    assert f"event #{victim.pk}" in capsys.readouterr().err


def test_checkpoints_print_to_standard_output_by_default(org, capsys):
    record("test.one", organization=org)
    call_command("audit_checkpoint")
    (line,) = capsys.readouterr().out.splitlines()
    checkpoint = Checkpoint(**{k: v for k, v in json.loads(line).items() if k != "format"})
    assert checkpoint.is_authentic(Keyring.from_settings())
