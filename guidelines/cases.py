"""The case library: the wizard's scenarios, answered by the author, published for staff.

Scenarios beat proclamations: staff remember a worked case ("what would you do?", then the
answer and the section it comes from) better than a rule. The author answers the catalogue's
scenarios they want to publish; the answers are frozen with the version and shown beside the
guideline. Pure functions only; the service that saves them is in ``services.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .sections import SECTIONS, SECTIONS_BY_KEY

MAX_CASES = 40
MAX_ANSWER = 1500


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
        kept.append({"section": key, "scenario": scenario, "answer": answer})
    if len(kept) > MAX_CASES:
        problems.append(f"Publish at most {MAX_CASES} cases (there are {len(kept)}).")
    return kept, problems


def library(cases: list[Mapping[str, str]]) -> list[dict[str, Any]]:
    """Published cases with their section's number and title, for the reading page."""
    numbers = {s.key: (i, s) for i, s in enumerate(SECTIONS, start=1)}
    shown = []
    for case in cases:
        found = numbers.get(str(case.get("section")))
        if found is None:
            continue
        number, section = found
        shown.append({**case, "number": number, "title": section.title})
    return shown
