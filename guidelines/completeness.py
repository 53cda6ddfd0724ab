"""When a draft is complete enough to submit: every section passes its checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .schema import run_checks
from .sections import SECTIONS


def failing_checks(content: Mapping[str, Any]) -> list[str]:
    """The messages of every completeness check the content does not pass, section by section."""
    failing = []
    for section in SECTIONS:
        for result in run_checks(section, content.get(section.key)):
            if not result.passed:
                failing.append(f"{section.title}: {result.message}")
    return failing
