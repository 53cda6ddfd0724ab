"""The case library: the wizard's scenarios, answered by the author, published for staff.

Scenarios beat proclamations: staff remember a worked case ("what would you do?", then the
answer and the section it comes from) better than a rule. The author answers the catalogue's
scenarios they want to publish; the answers are frozen with the version and shown beside the
guideline. Pure functions only; the service that saves them is in ``services.py``.

A case may also be asked in the acknowledgement quiz: the author adds one to three tempting
wrong answers and, if it concerns only some staff, the staff groups it is for (none: everyone).
A stored case is ``{"section", "scenario", "answer", "wrong": [str], "groups": [int]}``; cases
stored before the quiz drew from them have neither list and are never asked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .sections import SECTIONS, SECTIONS_BY_KEY

MAX_CASES = 40
MAX_ANSWER = 1500
MAX_WRONG = 3  # tempting wrong answers a quiz question from a case offers
MAX_WRONG_LENGTH = 300
# How many case questions one person answers, on top of the written quiz: enough to make them
# think, few enough that acknowledging stays a matter of minutes on a phone.
CASE_QUESTIONS_MAX = 3


def catalogue_scenarios() -> list[dict[str, str]]:
    """Every scenario of the catalogue, in section order: the cases an author can answer."""
    return [
        {"section": section.key, "scenario": scenario}
        for section in SECTIONS
        for scenario in section.scenarios
    ]


def clean(cases: Any) -> tuple[list[dict[str, str]], list[str]]:
    """The cases reduced to answered ones in catalogue order, and the problems, if any."""
    problems: list[str] = []
    if not isinstance(cases, list):
        return [], ["The cases could not be read."]
    kept: list[dict[str, str]] = []
    for number, raw in enumerate(cases, start=1):
        if not isinstance(raw, Mapping):
            problems.append(f"Case {number} could not be read.")
            continue
        key = str(raw.get("section") or "")
        scenario = " ".join(str(raw.get("scenario") or "").split())
        answer = str(raw.get("answer") or "").replace("\r\n", "\n").strip()
        if not answer:
            continue  # an unanswered scenario is simply not published
        section = SECTIONS_BY_KEY.get(key)
        if section is None or scenario not in section.scenarios:
            problems.append(f"Case {number} is not one of the wizard's scenarios.")
            continue
        if len(answer) > MAX_ANSWER:
            problems.append(
                f"The answer to “{scenario[:50]}…” is too long: {len(answer)} characters, the "
                f"limit is {MAX_ANSWER}."
            )
            continue
        wrong, wrong_problems = _wrong_answers(raw.get("wrong"), scenario)
        wrong = [text for text in wrong if text != " ".join(answer.split())]
        groups = _group_ids(raw.get("groups"))
        if groups is None:
            wrong_problems.append(f"The staff groups of “{scenario[:50]}…” could not be read.")
        if wrong_problems:
            problems.extend(wrong_problems)
            continue
        case: dict[str, Any] = {"section": key, "scenario": scenario, "answer": answer}
        if wrong:
            case["wrong"] = wrong
            case["groups"] = groups
        kept.append(case)
    if len(kept) > MAX_CASES:
        problems.append(f"Publish at most {MAX_CASES} cases (there are {len(kept)}).")
    return kept, problems


def _wrong_answers(raw: Any, scenario: str) -> tuple[list[str], list[str]]:
    """The tempting wrong answers (typed one a line, or a list) and what is wrong with them."""
    lines = raw.splitlines() if isinstance(raw, str) else list(raw or [])
    wrong: list[str] = []
    for line in lines:
        text = " ".join(str(line).split())
        if text and text not in wrong:
            wrong.append(text)
    problems = []
    if len(wrong) > MAX_WRONG:
        problems.append(
            f"“{scenario[:50]}…” has {len(wrong)} wrong answers; a quiz question offers at "
            f"most {MAX_WRONG}."
        )
    if any(len(text) > MAX_WRONG_LENGTH for text in wrong):
        problems.append(
            f"A wrong answer to “{scenario[:50]}…” is longer than {MAX_WRONG_LENGTH} characters."
        )
    return wrong, problems


def _group_ids(raw: Any) -> list[int] | None:
    """Staff group ids, sorted and without repeats; None when they cannot be read."""
    try:
        return sorted({int(g) for g in raw or []})
    except (TypeError, ValueError):
        return None


def named_groups(cases: Iterable[Mapping[str, Any]]) -> set[int]:
    """Every staff group some quiz case is for."""
    return {int(g) for case in cases if case.get("wrong") for g in case.get("groups") or []}


def is_for(case: Mapping[str, Any], group_ids: Iterable[int]) -> bool:
    """True when the case is asked in the quiz of someone in these staff groups."""
    if not case.get("wrong"):
        return False
    groups = case.get("groups") or []
    return not groups or bool(set(groups) & set(group_ids))


def _order(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def question(case: Mapping[str, Any]) -> dict[str, Any]:
    """The case as a quiz question: the scenario, and the answer among the wrong ones.

    The choices are in a fixed order drawn from their words (not always first, not random),
    so the page and the check that marks it always agree.
    """
    right = " ".join(str(case["answer"]).split())
    choices = sorted([right, *case.get("wrong", [])], key=_order)
    return {
        "question": f"{case['scenario']} What would you do?",
        "choices": choices,
        "answer": choices.index(right),
        "section": case["section"],
    }


def questions_for(cases: Sequence[Mapping[str, Any]], group_ids: Iterable[int]) -> list[dict]:
    """The case questions for someone in these groups: their groups' cases first, then the
    cases for everyone, in catalogue order, at most CASE_QUESTIONS_MAX."""
    groups = set(group_ids)
    mine = [c for c in cases if c.get("groups") and is_for(c, groups)]
    everyone = [c for c in cases if c.get("wrong") and not c.get("groups")]
    return [question(c) for c in [*mine, *everyone][:CASE_QUESTIONS_MAX]]


_NUMBERS = {s.key: (i, s.title) for i, s in enumerate(SECTIONS, start=1)}


def library(cases: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Published cases (or answered case questions) with their section's number and title,
    for the pages that show them."""
    shown = []
    for case in cases:
        found = _NUMBERS.get(str(case.get("section")))
        if found is None:
            continue
        number, title = found
        shown.append({**case, "number": number, "title": title})
    return shown


def section_name(key: str) -> str:
    """ "section 4, Patient privacy": where a case's answer comes from, in a sentence."""
    number, title = _NUMBERS.get(key, (0, ""))
    return f"section {number}, {title}" if number else "the guideline"
