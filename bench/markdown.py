"""Markdown rendering time on hostile input, against ordinary text of the same length.

Run by ``make bench`` (bench/run.py) in-process: no server or database is needed, because the
question is only whether rendering stays linear when an author types thousands of brackets.
"""

from __future__ import annotations

import time
from typing import Any

from guidelines.rendering import RENDER_CACHE, render_markdown

# The longest Markdown a section accepts (guidelines/sections.py, the "body" fields).
LENGTH = 20_000

# Ordinary guidance: headings, emphasis, lists, links and code, repeated to LENGTH.
_NORMAL_CHUNK = (
    "## Before you post\n\n"
    "Check that the post is **accurate**, *kind* and yours to share. See the "
    "[social media policy](https://example.org/policy) and ask `comms@` when unsure.\n\n"
    "- never name a patient\n- never post from a ward\n- report impostor accounts\n\n"
    "> Pause before you press send.\n\n"
)

PATHOLOGICAL = {
    "unmatched [": "[" * LENGTH,
    "unmatched ![": "![" * (LENGTH // 2),
    "[[[[ then ]]]]": "[" * (LENGTH // 2) + "]" * (LENGTH // 2),
    "links never closed": "[a](" * (LENGTH // 4),
    "*_ runs": "*_" * (LENGTH // 2),
    "nested quotes": "> " * (LENGTH // 2),
    "nested lists": "1. " * (LENGTH // 3),
    "code spans never closed": "``a`" * (LENGTH // 4),
    "equal headings": "# a\n" * (LENGTH // 4),
}


def normal_text(length: int = LENGTH) -> str:
    return (_NORMAL_CHUNK * (length // len(_NORMAL_CHUNK) + 1))[:length]


def _best_ms(text: str, runs: int) -> float:
    """Fastest of ``runs`` renderings, with the cache bypassed (CPU time of this process)."""
    best = float("inf")
    for _ in range(runs):
        RENDER_CACHE.clear()
        start = time.process_time()
        render_markdown(text)
        best = min(best, time.process_time() - start)
    return round(best * 1000, 1)


def measure(runs: int = 3) -> dict[str, Any]:
    """Each hostile input's render time, the normal text's, and the worst ratio between them."""
    normal = _best_ms(normal_text(), runs)
    inputs = {name: _best_ms(text, runs) for name, text in PATHOLOGICAL.items()}
    worst = max(inputs, key=lambda name: inputs[name])
    return {
        "length": LENGTH,
        "normal_ms": normal,
        "pathological_ms": inputs,
        "worst": worst,
        "worst_vs_normal": round(inputs[worst] / max(normal, 0.1), 2),
    }
