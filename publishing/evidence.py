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
from audit.export import CHRONOLOGICAL, CSV_HEADER, event_rows
from audit.models import AuditEvent
from config.csv_export import safe_cell
from guidelines.cases import section_name
from guidelines.models import Version
from guidelines.quiz import record_fingerprint
from guidelines.schema import canonical_json

from .models import Acknowledgement, AckRequest, Campaign, Publication, QuizAttempt
from .pdf import get_pdf
from .selectors import describe_wrong, quiz_summaries

BATCH = 2000

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
                       person acknowledged (or not), the hash, which later request
                       replaced an unanswered one and why, and their quiz: how many tries,
                       which questions were wrong (Q2 x2 = twice) and when they passed
  quiz-attempts.csv    every try at the quiz: who, campaign, when, passed or the questions
                       answered wrongly (number and words; each person's quiz may differ)
  quiz-answers.csv     what each person was asked and chose when they acknowledged: one
                       row a question, with the section a case question comes from
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

# What each file of the pack holds, written into manifest.json so the pack explains itself.
CONTENTS: dict[str, Any] = {
    "guideline.pdf": "The published document as staff read and downloaded it.",
    "content.json": "The version's exact text in canonical JSON; its SHA-256 is content_hash.",
    "signatures.csv": {
        "what": "One row per sign-off, oldest first (signatures.json holds the same rows).",
        "columns": {
            "printed_name": "the signer's name as printed on the signature",
            "email": "the signer's account",
            "role": "the approval stage's role",
            "meaning": "what the signature means, e.g. Approved - Legal review",
            "signed_at": "date and time with its UTC offset",
            "content_hash": "SHA-256 of the text signed; equals content_hash",
            "second_factor": "true when more than a password proved the signer",
            "factor": "password, totp (authenticator code), idp_mfa (the identity "
            "provider's multi-factor) or idp (a fresh sign-in at the identity provider)",
            "review_id": "the review the signature belongs to",
            "stage": "the stage number in the approval route",
        },
    },
    "acknowledgements.csv": {
        "what": "One row per request to acknowledge (the version's own campaign, then each "
        "yearly cycle), then anyone who acknowledged without a request.",
        "columns": {
            "campaign": "On publication, or Yearly attestation from <date>",
            "due_date": "the person's own due date",
            "acknowledged_at": "empty when not acknowledged",
            "content_hash": "SHA-256 of the text acknowledged",
            "replaced_at": "when a newer request took this unanswered one's place",
            "replaced_reason": "why (the next cycle, a material change, a cosmetic one)",
            "quiz_attempts": "tries at the quiz for this request",
            "quiz_wrong_answers": "questions answered wrongly, e.g. Q2 x2; Q3",
            "quiz_passed_at": "when the quiz was passed (the acknowledgement's time)",
        },
    },
    "quiz-attempts.csv": {
        "what": "Every try at the version's quiz, oldest first.",
        "columns": {
            "campaign": "the request's campaign, or Without a request",
            "attempted_at": "date and time with its UTC offset",
            "outcome": "passed or wrong",
            "wrong_questions": "number and words of each question answered wrongly",
        },
    },
    "quiz-answers.csv": {
        "what": "What each acknowledgement rests on: one row per question the person was "
        "asked (the written quiz, then the cases for their staff groups), oldest first.",
        "columns": {
            "acknowledged_at": "the acknowledgement's date and time with its UTC offset",
            "number": "the question's number on the person's page",
            "question": "the question's words as shown",
            "chosen": "the words of the choice the person made",
            "right_answer": "the words of the right choice",
            "section": "for a question drawn from a case, the section its answer comes from",
            "quiz_fingerprint": "SHA-256 of the person's whole quiz record, as in the audit "
            "event of the acknowledgement",
        },
    },
    "audit-events.csv": "Every audit event about the guideline, with prev_hash and hash.",
}


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
    batch: list[AckRequest] = []
    for r in requests.iterator(chunk_size=BATCH):
        batch.append(r)
        if len(batch) == BATCH:
            yield from _request_rows(batch, by_request, by_user, used)
            batch = []
    yield from _request_rows(batch, by_request, by_user, used)
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
            "",
            "",
            "",
        ]


def _request_rows(
    batch: list[AckRequest],
    by_request: dict[int, Acknowledgement],
    by_user: dict[int, Acknowledgement],
    used: set[int],
) -> Iterator[list[Any]]:
    quizzes = quiz_summaries([r.pk for r in batch]) if batch else {}
    for r in batch:
        ack = by_request.get(r.pk)
        if ack is None and r.campaign.kind == Campaign.Kind.PUBLICATION:
            legacy = by_user.get(r.user_id)
            ack = legacy if legacy is not None and legacy.request_id is None else None
        if ack is not None:
            used.add(ack.pk)
        quiz = quizzes.get(r.pk)
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
            quiz["attempts"] if quiz else 0,
            describe_wrong(quiz["wrong"]) if quiz else "",
            quiz["passed_at"].isoformat() if quiz and quiz["passed_at"] else "",
        ]


def quiz_attempt_rows(publication: Publication) -> Iterator[list[Any]]:
    """Every try at the version's quiz, oldest first: who, in which campaign, when, and the
    questions answered wrongly (number and words) or that it passed."""
    attempts = (
        QuizAttempt.objects.filter(version_id=publication.version_id)
        .select_related("user", "request__campaign")
        .order_by("attempted_at", "pk")
    )
    for a in attempts.iterator(chunk_size=BATCH):
        yield [
            a.user.email,
            a.user.full_name,
            a.request.campaign.label if a.request else "Without a request",
            a.attempted_at.isoformat(),
            "passed" if a.passed else "wrong",
            "; ".join(f"Q{w.get('number')}: {w.get('question', '')}" for w in a.wrong_questions),
        ]


QUIZ_HEADER = ["email", "name", "campaign", "attempted_at", "outcome", "wrong_questions"]


def quiz_answer_rows(publication: Publication) -> Iterator[list[Any]]:
    """One row per question each person answered when acknowledging, oldest first."""
    acks = (
        Acknowledgement.objects.filter(version_id=publication.version_id)
        .exclude(quiz_record=[])
        .select_related("user")
        .only("acknowledged_at", "quiz_record", "user__email", "user__full_name")
        .order_by("acknowledged_at", "pk")
    )
    for ack in acks.iterator(chunk_size=BATCH):
        fingerprint = record_fingerprint(ack.quiz_record)
        for number, item in enumerate(ack.quiz_record, start=1):
            choices = item.get("choices") or []
            yield [
                ack.user.email,
                ack.user.full_name,
                ack.acknowledged_at.isoformat(),
                number,
                item.get("question", ""),
                _choice(choices, item.get("chosen")),
                _choice(choices, item.get("answer")),
                section_name(item["section"]) if item.get("section") else "",
                fingerprint,
            ]


def _choice(choices: list[Any], index: Any) -> str:
    return str(choices[index]) if isinstance(index, int) and 0 <= index < len(choices) else ""


ANSWERS_HEADER = [
    "email",
    "name",
    "acknowledged_at",
    "number",
    "question",
    "chosen",
    "right_answer",
    "section",
    "quiz_fingerprint",
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
    "quiz_attempts",
    "quiz_wrong_answers",
    "quiz_passed_at",
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
        "quiz-attempts.csv": _csv_bytes(QUIZ_HEADER, quiz_attempt_rows(publication)),
        "quiz-answers.csv": _csv_bytes(ANSWERS_HEADER, quiz_answer_rows(publication)),
        "audit-events.csv": _csv_bytes(
            CSV_HEADER,
            event_rows(
                AuditEvent.objects.filter(
                    organization_id=publication.organization_id, guideline_id=guideline.pk
                ).order_by(*CHRONOLOGICAL)
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
        "contents": CONTENTS,
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
