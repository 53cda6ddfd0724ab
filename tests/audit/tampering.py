"""What an attacker with write access to the database, but without the audit key, can do:
plain SQL, and SHA-256 recomputed exactly as the chain's published scheme says."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.models import AuditEvent, ChainHead


def sql(statement: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def fetch_head(organization_id: int | None) -> tuple[int, str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequence, hash, mac, key_id FROM audit_chainhead WHERE key = %s",
            [ChainHead.key_for(organization_id)],
        )
        row = cursor.fetchone()
    assert row is not None
    return row[0], row[1], row[2], row[3]


def set_head(organization_id: int | None, sequence: int, hash: str, mac: str | None = None) -> None:
    """Move the chain head, keeping its MAC unless one is given."""
    key = ChainHead.key_for(organization_id)
    if mac is None:
        sql(
            "UPDATE audit_chainhead SET sequence = %s, hash = %s WHERE key = %s",
            [sequence, hash, key],
        )
    else:
        sql(
            "UPDATE audit_chainhead SET sequence = %s, hash = %s, mac = %s WHERE key = %s",
            [sequence, hash, mac, key],
        )


def rehash_from(organization_id: int, sequence: int) -> None:
    """Recompute every hash and link from ``sequence`` on, and the head, as the unkeyed scheme
    would: what someone who knows the code but not the key does after editing history."""
    events = AuditEvent.objects.filter(organization_id=organization_id).order_by("sequence")
    prev = "0" * 64
    for event in events:
        if event.sequence >= sequence:
            event.prev_hash = prev
            event.hash = event.compute_hash()
            sql(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                [event.prev_hash, event.hash, event.pk],
            )
        prev = event.hash
    set_head(organization_id, events.count(), prev)


def tampered_report(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run ``verify_audit`` as cron would; it must fail, and its report is returned."""
    capsys.readouterr()
    with pytest.raises(CommandError):
        call_command("verify_audit", *args)
    return capsys.readouterr().err


def intact_report(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    call_command("verify_audit", *args)
    return capsys.readouterr().out
