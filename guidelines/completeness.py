"""When a draft is complete enough to submit: every section passes its checks."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from .facts import confirm_all
from .schema import canonical_json, is_empty, normalise, run_checks
from .sections import SECTIONS, starter_content


def failing_checks(content: Mapping[str, Any], jurisdiction: str | None = None) -> list[str]:
    """The messages of every completeness check the content does not pass, section by section."""
    failing = []
    for section in SECTIONS:
        for result in run_checks(section, content.get(section.key), jurisdiction):
            if result.blocking:
                detail = f". Found: {result.detail}" if result.detail else ""
                failing.append(f"{section.title}: {result.message}{detail}")
    return failing


# The review page asks this of a frozen version on every view; the answer depends only on the
# text and the institution's details, so a few hundred answers are kept per app server.
_UNCHANGED: OrderedDict[tuple[bytes, str], frozenset[str]] = OrderedDict()
_UNCHANGED_MAX = 256
_UNCHANGED_LOCK = threading.Lock()


def unchanged_from_template(content: Mapping[str, Any], context: Mapping[str, str]) -> set[str]:
    """Keys of the sections whose text is still the starter template, word for word.

    A reviewer signs what the institution says; a section nobody has adapted may assert
    things that are not true there, so it is pointed out rather than silently accepted.
    """
    try:
        key = (
            hashlib.blake2b(canonical_json(dict(content)).encode(), digest_size=20).digest(),
            json.dumps(dict(context), sort_keys=True),
        )
    except (TypeError, ValueError):
        return _unchanged(content, context)  # not plain JSON: computed each time
    with _UNCHANGED_LOCK:
        found = _UNCHANGED.get(key)
        if found is not None:
            _UNCHANGED.move_to_end(key)
            return set(found)
    answer = _unchanged(content, context)
    with _UNCHANGED_LOCK:
        _UNCHANGED[key] = frozenset(answer)
        while len(_UNCHANGED) > _UNCHANGED_MAX:
            _UNCHANGED.popitem(last=False)
    return answer


def _unchanged(content: Mapping[str, Any], context: Mapping[str, str]) -> set[str]:
    starter = starter_content(context)
    confirmed = confirm_all(starter)  # keeping every fact as written is not adapting it
    unchanged = set()
    for section in SECTIONS:
        data = content.get(section.key)
        if is_empty(section, data):
            continue
        clean = normalise(section, data)
        if clean in (starter[section.key], confirmed[section.key]):
            unchanged.add(section.key)
    return unchanged
