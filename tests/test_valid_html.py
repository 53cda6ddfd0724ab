"""Every page of the permission matrix, as the people who may open it, is valid HTML.

The Nu Html Checker runs once over all of them (no browser needed): each GET as the first
persona allowed to use it (the home page as each of them), the forms that come back refused
after an empty POST, and the error pages (403, 404, the sign-in page for the anonymous).
The browser journeys validate the pages they reach as well, after their scripts ran
(tests/a11y.py).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from tests.a11y import validate_html, validator_available
from tests.test_permission_matrix import (  # noqa: F401  (``world`` is a fixture)
    MATRIX,
    PERSONAS,
    expected,
    world,
)

ORDER = ["admin", "author", "legal", "compliance", "auditor", "employee", "outsider", "anonymous"]
# Pages seen as every persona: the same URL shows each of them something else.
PER_PERSONA = {"home"}

pytestmark = pytest.mark.skipif(
    not validator_available(), reason="the Nu Html Checker needs Java (scripts/system-deps.sh)"
)


def _who(name: str) -> list[str]:
    entry = MATRIX[name]
    served = [p for p in ORDER if expected(entry, p) == "ok"]
    return served if name in PER_PERSONA else served[:1]


def _is_page(response: Any) -> bool:
    """A whole page (fragments for htmx are checked inside the pages that hold them)."""
    return response.get("Content-Type", "").startswith("text/html") and response.content[
        :15
    ].lower().startswith(b"<!doctype html>")


def test_every_page_and_refused_form_is_valid_html(
    world,  # noqa: F811
    client,
    django_capture_on_commit_callbacks,
):
    documents: dict[str, str] = {}

    def fetch(label: str, persona: str, method: str, url: str, data: dict) -> None:
        client.logout()
        if persona != "anonymous":
            client.force_login(getattr(world, persona).user)
        with transaction.atomic(), django_capture_on_commit_callbacks(execute=False):
            response = (client.post if method == "post" else client.get)(url, data)
            transaction.set_rollback(True)
        if response.status_code in (200, 400, 403, 404, 409, 422) and _is_page(response):
            documents[f"{label} as {persona} ({response.status_code})"] = response.content.decode()

    for name in sorted(MATRIX):
        entry = MATRIX[name]
        url = reverse(name, kwargs=entry.kwargs(world))
        for persona in _who(name):
            fetch(f"{entry.method.upper()} {name}", persona, entry.method, url, entry.query)
        if entry.method == "get":
            # A refusal page: the first persona turned away with 403, and an outsider's 404.
            refused = [p for p in PERSONAS if expected(entry, p) in (403, 404)]
            for persona in {expected(entry, p): p for p in refused}.values():
                fetch(f"GET {name}", persona, "get", url, entry.query)

    assert len(documents) >= 60, sorted(documents)
    assert _authentication_fields_problems(documents) == []
    assert any("(403)" in k for k in documents) and any("(404)" in k for k in documents)
    found = validate_html(documents)
    report = "\n".join(f"{page}:\n  " + "\n  ".join(errors) for page, errors in found.items())
    assert found == {}, report


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            self.inputs.append(dict(attrs))


CODE_NAMES = re.compile(r"(^|[-_])(code|otp|token)$")


def _authentication_fields_problems(documents: dict[str, str]) -> list[str]:
    """WCAG 1.3.5 and 3.3.8: password and one-time-code fields name their purpose for
    password managers, and none blocks pasting."""
    problems = []
    seen = 0
    for page, html in documents.items():
        parser = _Inputs()
        parser.feed(html)
        for field in parser.inputs:
            kind = (field.get("type") or "text").lower()
            name = field.get("name") or ""
            if kind == "password":
                wanted = {"current-password", "new-password"}
            elif kind in ("text", "number") and CODE_NAMES.search(name):
                wanted = {"one-time-code"}
            else:
                continue
            seen += 1
            if field.get("autocomplete") not in wanted:
                problems.append(f"{page}: {name} has autocomplete={field.get('autocomplete')}")
            if any(a in field for a in ("onpaste", "oncopy", "oncut")):
                problems.append(f"{page}: {name} blocks pasting")
    assert seen >= 3, "the sign-in, sign-off and two-factor pages have such fields"
    return problems


def test_templates_write_htmx_attributes_as_data_attributes():
    """``hx-*`` is not valid HTML; htmx reads ``data-hx-*`` just as well."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "templates"
    bare = re.compile(r"""[\s"']hx-[a-z-]+=""")
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.html")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if bare.search(line)
    ]
    assert offenders == []
