"""The accessible names, roles and states of the controls that matter most, pinned with
Playwright's ARIA snapshots: what a screen reader announces is part of the contract.

``AriaPins()(page, name)`` runs the pins for the page ``name`` of a journey (if any) and keeps
every mismatch (with the page's actual tree, as Playwright reports it), so one run shows all of
them; ``assert_all_pinned()`` fails on any mismatch or on a pinned page never reached.
Snapshots match partially: children not written here may exist, and ``/.../`` is a regular
expression.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.richtext import prose

Pin = Callable[[Page], None]


def wizard_field_and_its_checks(page: Page) -> None:
    """A failing check reads "To do:" then a link to the field it is about; the field's
    editor is named by its label."""
    expect(page.get_by_role("region", name="Checks for this section")).to_match_aria_snapshot(
        """
        - heading "Checks for this section" [level=2]
        - list:
          - listitem:
            - text: "To do:"
            - link "Require two-factor authentication"
        """
    )
    expect(prose(page)).to_have_accessible_name(re.compile("^Guidance"))
    # Every field of the step has a name of its own.
    for field in page.locator("#section-form").get_by_role("textbox").all():
        expect(field).to_have_accessible_name(re.compile(r"\w"))


def redline(page: Page) -> None:
    """Insertions and deletions are announced as such, in words, not only by colour."""
    changed = page.locator("section.redline-changed").filter(has_text="HIPAA").first
    expect(changed).to_match_aria_snapshot(
        """
        - heading /Changed/ [level=2]
        - list:
          - listitem: /words added/
        - heading "Guidance" [level=3]
        - list:
          - listitem:
            - text: Added paragraph
            - insertion: /\\[added\\].*HIPAA.*\\[end added\\]/
        """
    )


def signoff_panel(page: Page) -> None:
    """The sign-off panel says which stages there are, where the version stands, and the
    meaning of the signature before the password is asked."""
    expect(page.get_by_role("complementary", name="Sign-off")).to_match_aria_snapshot(
        """
        - heading "Sign-off" [level=2]
        - list:
          - listitem:
            - strong: 1. Legal
            - text: /— waiting/
          - listitem:
            - strong: 2. Compliance
            - text: /— not started/
        - heading "Sign off" [level=3]
        - paragraph:
          - text: You sign as
          - strong: Priya Raman
          - text: /, meaning “Approved — Legal review”, for version 2 exactly as shown\\./
        - textbox /^Your password/
        - button "Sign off"
        - group: /Request changes/
        """
    )


def signed_panel(page: Page) -> None:
    """After signing, the signature is listed with its meaning."""
    expect(page.get_by_role("complementary", name="Sign-off")).to_match_aria_snapshot(
        """
        - heading "Sign-off" [level=2]
        - list:
          - listitem:
            - list:
              - listitem: /Approved — Legal review/
          - listitem:
            - list:
              - listitem: /Approved — Compliance review/
        """
    )


def acknowledgement(page: Page) -> None:
    """The acknowledgement: the promise is a named checkbox, the button says what it does."""
    expect(
        page.get_by_role("region", name=re.compile("^Acknowledge version"))
    ).to_match_aria_snapshot(
        """
        - heading /Acknowledge version \\d+/ [level=2]
        - checkbox /I have read and understood/
        - button "Acknowledge"
        """
    )


PERSONA_JOURNEY: dict[str, Pin] = {
    "wizard-failing-check": wizard_field_and_its_checks,
    "legal-redline": redline,
    "legal-review-v2": signoff_panel,
    "compliance-signed": signed_panel,
    "employee-acknowledge": acknowledgement,
}


class AriaPins:
    def __init__(self, pins: dict[str, Pin] = PERSONA_JOURNEY) -> None:
        self.pins = pins
        self.reached: set[str] = set()
        self.mismatches: dict[str, str] = {}

    def __call__(self, page: Page, name: str) -> None:
        pin = self.pins.get(name)
        if pin is None:
            return
        self.reached.add(name)
        try:
            pin(page)
        except AssertionError as mismatch:
            self.mismatches[name] = str(mismatch)
            ARTIFACTS.mkdir(exist_ok=True)
            with (ARTIFACTS / "aria-mismatches.txt").open("a", encoding="utf-8") as out:
                out.write(f"=== {name}\n{mismatch}\n\n")

    def assert_all_pinned(self) -> None:
        assert set(self.pins) <= self.reached, set(self.pins) - self.reached
        assert self.mismatches == {}, "\n\n".join(f"{k}:\n{v}" for k, v in self.mismatches.items())
