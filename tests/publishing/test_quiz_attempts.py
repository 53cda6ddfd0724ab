"""Quiz attempts are kept per person: how many tries, which questions were wrong, when the
quiz was passed; the tracking CSV and the evidence pack show them."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse

from publishing import services
from publishing.models import ImmutableRecordError, QuizAttempt
from tests.publishing.conftest import QUIZ


@pytest.fixture
def quizzed(make_version, do_publish, employee, author, legal, compliance, auditor):
    from tests.publishing.conftest import sign

    version = make_version(1, quiz=QUIZ)
    sign(version, legal, compliance)
    return do_publish(version)


def _try(version, persona, answers):
    try:
        services.acknowledge(version=version, user=persona.user, confirmed=True, answers=answers)
    except services.PublishingError:
        return False
    return True


def test_each_try_is_kept_with_the_questions_answered_wrongly(quizzed, employee):
    version = quizzed.version
    assert not _try(version, employee, {0: 1, 1: 0})
    assert not _try(version, employee, {0: 0, 1: 0})
    assert _try(version, employee, {0: 1, 1: 1})
    attempts = list(QuizAttempt.objects.filter(user=employee.user).order_by("attempted_at", "pk"))
    assert [a.passed for a in attempts] == [False, False, True]
    assert [[w["number"] for w in a.wrong_questions] for a in attempts] == [[2], [1, 2], []]
    assert attempts[0].wrong_questions[0]["question"] == QUIZ[1]["question"]
    assert {a.request_id for a in attempts} == {
        quizzed.campaign.requests.get(user=employee.user).pk
    }
    with pytest.raises(ImmutableRecordError):
        attempts[0].save()


def test_a_version_without_a_quiz_keeps_no_attempt(published, employee):
    services.acknowledge(version=published.version, user=employee.user, confirmed=True)
    assert not QuizAttempt.objects.exists()


def test_the_tracking_csv_counts_tries_wrong_answers_and_the_pass(quizzed, admin, employee):
    version = quizzed.version
    _try(version, employee, {0: 1, 1: 0})
    _try(version, employee, {0: 0, 1: 0})
    _try(version, employee, {0: 1, 1: 1})
    response = admin.client().get(reverse("publishing:tracking_export", args=[quizzed.campaign.pk]))
    rows = {
        r["email"]: r
        for r in csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    }
    mine = rows[employee.email]
    assert mine["quiz_attempts"] == "3"
    assert mine["quiz_wrong_answers"] == "Q1; Q2 x2"
    assert mine["quiz_passed_at_utc"].endswith("+00:00")
    others = [r for e, r in rows.items() if e != employee.email]
    assert all(r["quiz_attempts"] == "0" and not r["quiz_passed_at_utc"] for r in others)


def test_the_evidence_pack_lists_every_try_and_the_manifest_describes_it(
    quizzed, auditor, employee
):
    version = quizzed.version
    _try(version, employee, {0: 1, 1: 0})
    _try(version, employee, {0: 1, 1: 1})
    response = auditor.client().get(reverse("publishing:evidence_pack", args=[quizzed.pk]))
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    attempts = list(csv.DictReader(io.StringIO(files["quiz-attempts.csv"].decode())))
    assert [(a["email"], a["outcome"]) for a in attempts] == [
        (employee.email, "wrong"),
        (employee.email, "passed"),
    ]
    assert attempts[0]["wrong_questions"].startswith("Q2: Where do you report")
    assert attempts[0]["campaign"] == "On publication"
    roster = {
        r["email"]: r for r in csv.DictReader(io.StringIO(files["acknowledgements.csv"].decode()))
    }
    assert roster[employee.email]["quiz_attempts"] == "2"
    assert roster[employee.email]["quiz_wrong_answers"] == "Q2"
    assert roster[employee.email]["quiz_passed_at"]
    manifest = json.loads(files["manifest.json"])
    digest = hashlib.sha256(files["quiz-attempts.csv"]).hexdigest()
    assert manifest["files"]["quiz-attempts.csv"] == digest
    described = manifest["contents"]
    assert set(described) >= set(manifest["files"]) - {"signatures.json"}
    assert "wrong_questions" in described["quiz-attempts.csv"]["columns"]
    assert "quiz_attempts" in described["acknowledgements.csv"]["columns"]
    assert "quiz-attempts.csv" in files["README.txt"].decode()
