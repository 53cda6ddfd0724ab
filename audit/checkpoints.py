"""Signed checkpoints: where each chain stood when it was last verified, written as lines that
the operator keeps outside the database, so that cutting the end off a chain shows even when
the chain head was moved back with it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from .models import ChainHead
from .signing import Keyring, checkpoint_message

FORMAT = "charter-audit-checkpoint/1"


class CheckpointFileError(ValueError):
    """A line that is not a checkpoint at all (as opposed to one whose signature fails)."""


@dataclass(frozen=True)
class Checkpoint:
    chain: str
    sequence: int
    hash: str
    at: str
    key_id: str
    mac: str
    source: str = ""  # where it was read from ("file:line"), for messages

    @classmethod
    def sign(cls, keys: Keyring, *, chain: str, sequence: int, hash: str, at: str) -> Checkpoint:
        mac = keys.sign(checkpoint_message(chain, sequence, hash, at))
        return cls(chain, sequence, hash, at, keys.current_id, mac)

    def is_authentic(self, keys: Keyring) -> bool:
        message = checkpoint_message(self.chain, self.sequence, self.hash, self.at)
        return keys.verifies(self.key_id, message, self.mac)

    def line(self) -> str:
        fields = {
            "format": FORMAT,
            "chain": self.chain,
            "sequence": self.sequence,
            "hash": self.hash,
            "at": self.at,
            "key_id": self.key_id,
            "mac": self.mac,
        }
        return json.dumps(fields, separators=(",", ":"))


def read_checkpoints(lines: Iterable[str], *, source: str) -> list[Checkpoint]:
    """Parse a checkpoint file; blank lines and ``#`` comments are skipped, anything else
    that is not a checkpoint line is refused with its line number."""
    found = []
    for number, text in enumerate(lines, start=1):
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        where = f"{source}:{number}"
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise ValueError("not a checkpoint line")
            ChainHead.organization_for(str(data["chain"]))  # refuses a key that names no chain
            found.append(
                Checkpoint(
                    chain=str(data["chain"]),
                    sequence=int(data["sequence"]),
                    hash=str(data["hash"]),
                    at=str(data["at"]),
                    key_id=str(data["key_id"]),
                    mac=str(data["mac"]),
                    source=where,
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CheckpointFileError(f"{where}: not a Charter audit checkpoint ({exc})") from exc
    return found
