"""The auditor's evidence pack: everything about one published version, with hashes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accounts.models import User
from audit.export import CSV_HEADER, event_rows
from audit.models import AuditEvent
from config.csv_export import safe_cell
from guidelines.models import Version
from guidelines.schema import canonical_json

from .models import Acknowledgement, AckRequest, Campaign, Publication
from .pdf import get_pdf

README = """Evidence pack — {title}, version {number} ({institution})
Generated {generated} by {generated_by}.

What is in this pack
  guideline.pdf        the published document as staff read it
  content.json         the exact text of version {number}, in its canonical form
  signatures.csv/json  every sign-off: printed name, role, meaning, time, content hash, and
                       the factor the signer proved who they were with (password, totp =
                       authenticator code, idp_mfa = the identity provider's multi-factor,
                       idp = a fresh sign-in at the identity provider)
  acknowledgements.csv every request (on publication, then each yearly cycle): when the
                       person acknowledged (or not), the hash, and which later request
                       replaced an unanswered one and why
  audit-events.csv     every audit event about this guideline, with its chain hashes
  manifest.json        the SHA-256 of each file above and the version's content hash

How to verify
  1. Each file is unchanged: `sha256sum <file>` equals its entry in manifest.json.
  2. The text is the one that was signed: `sha256sum content.json` equals
     manifest.json "content_hash", which equals the content_hash on every signature and
     every acknowledgement row.
  3. The audit events are unaltered: on the live system, `manage.py verify_audit` recomputes
     every chain; each row's hash here must match the row there.
"""


def _csv_bytes(header: list[str], rows: Any) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def signature_rows(version: Version) -> list[dict[str, Any]]:
    return [
        {
            "printed_name": s.printed_name,
            "email": s.signer.email,
            "role": s.role_name,
            "meaning": s.meaning,
            "signed_at": s.signed_at.isoformat(),
            "content_hash": s.content_hash,
            "second_factor": s.used_second_factor,
            "factor": s.factor or "not recorded",
            "review_id": s.review_id,
            "stage": s.stage_index + 1,
        }
        for s in version.signatures.select_related("signer").order_by("signed_at")
    ]


def roster_rows(publication: Publication) -> Iterator[list[Any]]:
    """One row per request (the version's own campaign, then each yearly cycle), plus anyone
    who acknowledged without being asked. A request is matched with the acknowledgement that
    answered it; records made before cycles existed are matched by person and version."""
    by_request: dict[int, Acknowledgement] = {}
    by_user: dict[int, Acknowledgement] = {}
    for a in (
        Acknowledgement.objects.filter(version=publication.version)
        .select_related("user")
        .only(
            "user_id",
            "request_id",
            "acknowledged_at",
            "content_hash",
            "ip_address",
            "user_agent",
            "user__email",
            "user__full_name",
        )
        .order_by("acknowledged_at")
    ):
        if a.request_id is not None:
            by_request[a.request_id] = a
        by_user.setdefault(a.user_id, a)
    used: set[int] = set()
    requests = (
        AckRequest.objects.filter(campaign__publication=publication)
        .select_related("user", "staff_group", "campaign")
        .order_by("campaign__starts_on", "campaign_id", "user__email")
    )
    for r in requests.iterator(chunk_size=2000):
        ack = by_request.get(r.pk)
        if ack is None and r.campaign.kind == Campaign.Kind.PUBLICATION:
            legacy = by_user.get(r.user_id)
            ack = legacy if legacy is not None and legacy.request_id is None else None
        if ack is not None:
            used.add(ack.pk)
        yield [
            r.user.email,
            r.user.full_name,
            r.staff_group.name if r.staff_group else "",
            r.campaign.label,
            r.due_date.isoformat(),
            ack.acknowledged_at.isoformat() if ack else "",
            ack.content_hash if ack else "",
            ack.ip_address if ack else "",
            ack.user_agent if ack else "",
            r.replaced_at.isoformat() if r.replaced_at else "",
            r.replaced_reason,
        ]
    for ack in [*by_request.values(), *by_user.values()]:
        if ack.pk in used:
            continue
        used.add(ack.pk)
        yield [
            ack.user.email,
            ack.user.full_name,
            "",
            "Without a request",
            "",
            ack.acknowledged_at.isoformat(),
            ack.content_hash,
            ack.ip_address or "",
            ack.user_agent,
            "",
            "",
        ]


ROSTER_HEADER = [
    "email",
    "name",
    "staff_group",
    "campaign",
    "due_date",
    "acknowledged_at",
    "content_hash",
    "ip_address",
    "user_agent",
    "replaced_at",
    "replaced_reason",
]


def build_evidence_pack(*, publication: Publication, generated_by: User) -> IO[bytes]:
    """Write the ZIP to a temporary file (rosters can be 100,000 rows) and return it."""
    version = publication.version
    guideline = version.guideline
    signatures = signature_rows(version)
    files: dict[str, bytes] = {
        "guideline.pdf": get_pdf(publication),
        "content.json": canonical_json(version.content).encode("utf-8"),
        "signatures.json": json.dumps(signatures, indent=2, cls=DjangoJSONEncoder).encode(),
        "signatures.csv": _csv_bytes(
            list(signatures[0].keys()) if signatures else ["printed_name"],
            [list(s.values()) for s in signatures],
        ),
        "acknowledgements.csv": _csv_bytes(ROSTER_HEADER, roster_rows(publication)),
        "audit-events.csv": _csv_bytes(
            CSV_HEADER,
            event_rows(
                AuditEvent.objects.filter(
                    organization_id=publication.organization_id, guideline_id=guideline.pk
                ).order_by("sequence")
            ),
        ),
    }
    now = timezone.now()
    manifest = {
        "institution": publication.organization.name,
        "guideline": guideline.title,
        "version": version.number,
        "content_hash": version.content_hash,
        "content_hash_verified": version.verify(),
        "effective_date": publication.effective_date.isoformat(),
        "published_at": publication.published_at.isoformat(),
        "generated_at": now.isoformat(),
        "generated_by": generated_by.email,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    files["manifest.json"] = json.dumps(manifest, indent=2).encode()
    files["README.txt"] = README.format(
        title=guideline.title,
        number=version.number,
        institution=publication.organization.name,
        generated=now.strftime("%Y-%m-%d %H:%M UTC"),
        generated_by=generated_by.email,
    ).encode()
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to FileResponse, which closes it
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    out.seek(0)
    return out
