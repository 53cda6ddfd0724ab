"""The audit key can be rotated: old events verify with the key that signed them, new ones are
signed with the new key, and production refuses a key that is no secret."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from audit.checks import audit_key_is_secret
from audit.services import record
from audit.signing import key_id
from audit.verify import verify_chain
from tests.audit.tampering import fetch_head, intact_report, tampered_report

OLD_KEY = "old-audit-key-" + "a" * 40
NEW_KEY = "new-audit-key-" + "b" * 40


@pytest.fixture
def signed_with_old_key(org):
    with override_settings(AUDIT_HMAC_KEY=OLD_KEY, AUDIT_HMAC_PREVIOUS_KEYS=[]):
        return [record("test.before", organization=org) for _ in range(3)]


def test_after_rotation_old_events_verify_with_the_retired_key(signed_with_old_key, org, capsys):
    with override_settings(AUDIT_HMAC_KEY=NEW_KEY, AUDIT_HMAC_PREVIOUS_KEYS=[OLD_KEY]):
        newer = record("test.after", organization=org)
        assert "intact: 4 events" in intact_report(capsys)
    assert {e.key_id for e in signed_with_old_key} == {key_id(OLD_KEY)}
    assert newer.key_id == key_id(NEW_KEY)
    assert fetch_head(org.pk)[3] == key_id(NEW_KEY)


def test_events_of_a_key_dropped_from_the_configuration_are_reported(signed_with_old_key, capsys):
    first = signed_with_old_key[0]
    with override_settings(AUDIT_HMAC_KEY=NEW_KEY, AUDIT_HMAC_PREVIOUS_KEYS=[]):
        report = tampered_report(capsys)
    assert (
        f"event #{first.pk} at position 1: it is signed with audit key {key_id(OLD_KEY)}" in report
    )
    assert "AUDIT_HMAC_PREVIOUS_KEYS" in report


def test_a_checkpoint_signed_before_rotation_still_counts(signed_with_old_key, tmp_path, capsys):
    path = tmp_path / "checkpoints.jsonl"
    with override_settings(AUDIT_HMAC_KEY=OLD_KEY, AUDIT_HMAC_PREVIOUS_KEYS=[]):
        call_command("audit_checkpoint", "--append", str(path))
    with override_settings(AUDIT_HMAC_KEY=NEW_KEY, AUDIT_HMAC_PREVIOUS_KEYS=[OLD_KEY]):
        assert "1 checkpoints confirmed" in intact_report(capsys, "--checkpoint", str(path))


def test_the_same_chain_verified_with_another_key_fails(signed_with_old_key, org):
    """What someone holding only the database sees: without the key, nothing verifies."""
    with override_settings(AUDIT_HMAC_KEY=NEW_KEY, AUDIT_HMAC_PREVIOUS_KEYS=[]):
        problem = verify_chain(org.pk)
    assert problem is not None and problem.sequence == 1


@pytest.mark.parametrize(
    ("key", "previous", "error"),
    [
        ("charter-dev-and-test-audit-key-not-a-secret", [], "audit.E001"),
        ("short-key", [], "audit.E002"),
        (NEW_KEY, ["charter-dev-and-test-audit-key-not-a-secret"], "audit.E004"),
        ("same-as-the-secret-key-" + "s" * 40, [], "audit.E003"),
    ],
)
def test_deploy_check_refuses_an_audit_key_that_is_no_secret(key, previous, error):
    with override_settings(
        AUDIT_HMAC_KEY=key,
        AUDIT_HMAC_PREVIOUS_KEYS=previous,
        SECRET_KEY="same-as-the-secret-key-" + "s" * 40,
    ):
        assert [m.id for m in audit_key_is_secret()] == [error]


def test_deploy_check_accepts_a_long_random_key_of_its_own():
    with override_settings(AUDIT_HMAC_KEY=NEW_KEY, AUDIT_HMAC_PREVIOUS_KEYS=[OLD_KEY]):
        assert audit_key_is_secret() == []
