"""The quiz's rules: its stored shape, the editor's limits, and which answers are wrong.

A quiz is stored on ``Draft.quiz`` and frozen with the text on ``Version.quiz``:
``[{"question": str, "choices": [str, ...], "answer": int}, ...]`` with at most ``QUIZ_MAX``
questions; ``answer`` is the 0-based index of the right choice. Authors write it here;
publishing asks the same rules when staff answer it before acknowledging.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .cases import CASE_QUESTIONS_MAX, questions_for

QUIZ_MAX = 5
QUIZ_MAX_CHOICES = 5
QUIZ_QUESTION_LENGTH = 300
QUIZ_CHOICE_LENGTH = 200
# The written quiz, then the questions drawn from the published cases for the person's groups.
QUIZ_ASKED_MAX = QUIZ_MAX + CASE_QUESTIONS_MAX


def quiz_problems(quiz: Any) -> list[str]:
    """What is wrong with a quiz's shape (for authors and for refusing bad stored data)."""
    if not isinstance(quiz, list):
        return ["The quiz must be a list of questions."]
    problems = []
    if len(quiz) > QUIZ_MAX:
        problems.append(f"A quiz has at most {QUIZ_MAX} questions.")
    for i, item in enumerate(quiz, start=1):
        choices = item.get("choices") if isinstance(item, dict) else None
        answer = item.get("answer") if isinstance(item, dict) else None
        if not isinstance(item, dict) or not str(item.get("question", "")).strip():
            problems.append(f"Question {i} has no text.")
        elif not isinstance(choices, list) or len(choices) < 2:
            problems.append(f"Question {i} needs at least two choices.")
        elif not isinstance(answer, int) or not 0 <= answer < len(choices):
            problems.append(f"Question {i} has no valid right answer.")
    return problems


def entry_limit_problems(quiz: Sequence[Any]) -> list[str]:
    """The limits the quiz editor adds to the shape rules: lengths and number of choices."""
    problems = []
    for i, item in enumerate(quiz, start=1):
        if not isinstance(item, dict):
            continue
        choices = item.get("choices")
        if len(str(item.get("question", ""))) > QUIZ_QUESTION_LENGTH:
            problems.append(f"Question {i} is longer than {QUIZ_QUESTION_LENGTH} characters.")
        if isinstance(choices, list) and len(choices) > QUIZ_MAX_CHOICES:
            problems.append(f"Question {i} has more than {QUIZ_MAX_CHOICES} choices.")
        elif isinstance(choices, list) and any(len(str(c)) > QUIZ_CHOICE_LENGTH for c in choices):
            problems.append(
                f"Question {i} has a choice longer than {QUIZ_CHOICE_LENGTH} characters."
            )
        elif isinstance(choices, list) and any(not str(c).strip() for c in choices):
            problems.append(f"Question {i} has an empty choice.")
    return problems


def personal_quiz(
    quiz: Sequence[Mapping[str, Any]],
    cases: Sequence[Mapping[str, Any]],
    group_ids: Iterable[int],
) -> list[dict[str, Any]]:
    """The questions one person answers before acknowledging a version: its written quiz
    for everyone, then the questions drawn from its cases for that person's staff groups.

    A pure function of the frozen version and the groups, so the page that asks and the
    service that marks the answers ask exactly the same questions."""
    return [dict(q) for q in quiz[:QUIZ_MAX]] + questions_for(cases, group_ids)


def wrong_answers(
    quiz: Sequence[Mapping[str, Any]], answers: Mapping[int, int | None]
) -> list[int]:
    """The 1-based numbers of the questions answered wrongly or not at all."""
    return [
        i
        for i, item in enumerate(quiz[:QUIZ_ASKED_MAX], start=1)
        if answers.get(i - 1) is None or answers.get(i - 1) != item.get("answer")
    ]


def answered(
    quiz: Sequence[Mapping[str, Any]], answers: Mapping[int, int | None]
) -> list[dict[str, Any]]:
    """What one person was asked and what they chose, kept with their acknowledgement: each
    question's words, choices, right answer and their choice, and for a question drawn from a
    case the section it comes from."""
    record = []
    for i, item in enumerate(quiz[:QUIZ_ASKED_MAX]):
        entry: dict[str, Any] = {
            "question": str(item.get("question", "")),
            "choices": [str(c) for c in item.get("choices", [])],
            "answer": item.get("answer"),
            "chosen": answers.get(i),
        }
        if item.get("section"):
            entry["section"] = str(item["section"])
        record.append(entry)
    return record


def record_fingerprint(record: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 of a kept quiz record in one canonical form (for the audit trail, which then
    vouches for what was asked and answered as it does for the text acknowledged)."""
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
