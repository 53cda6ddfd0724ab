"""Suggested edits, end to end: Legal suggests two edits on version 1 (one typed into the plain
form, one by selecting the words with the keyboard alone) and sends it back; the author sees
them beside the privacy step, accepts one (the editor shows the new words, the section's history
has the change) and declines the other with a reason, by keyboard; Legal reads both decisions
on the review page."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from approvals.models import ReviewRequest, Suggestion
from guidelines.models import DraftSection
from tests.e2e.conftest import ARTIFACTS, open_disclosure
from tests.e2e.richtext import prose
from tests.e2e.test_signoff import _submit, as_user, cast  # noqa: F401 - fixtures used below

FIRST = "part of everyone's job"
SECOND = "Protecting patient information"


def _suggest_by_keyboard(page: Page, replacement: str) -> None:
    """Select the first three words of the privacy text with the keys, then suggest."""
    text = page.locator('[data-quote-section="privacy"]')
    text.focus()
    expect(text).to_be_focused()
    for _ in range(3):
        page.keyboard.press("Control+Shift+ArrowRight")
    actions = page.locator("#section-privacy").get_by_test_id("quote-actions")
    expect(actions).to_be_visible()
    button = actions.get_by_role("button", name="Suggest a change")
    for _ in range(10):
        if button.evaluate("b => b === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    privacy = page.locator("#section-privacy")
    expect(privacy.get_by_label("Words to change")).to_have_value(SECOND)
    expect(privacy.get_by_label("Replace with")).to_be_focused()
    page.keyboard.type(replacement)
    page.keyboard.press("Tab")
    expect(privacy.get_by_role("button", name="Suggest this change")).to_be_focused()
    page.keyboard.press("Enter")


def test_a_reviewer_suggests_and_the_author_accepts_one_and_declines_another(
    cast,  # noqa: F811
    as_user,  # noqa: F811
    live_server,
    shots,
    a11y,
):
    guideline = cast["guideline"]
    author = as_user(cast["author"].email)
    _submit(author, live_server, guideline, "First version of our guidelines.")

    # Legal suggests two edits in the privacy section: one typed into the form (no selection
    # needed, as without JavaScript), one by selecting the words with the keyboard.
    legal = as_user(cast["legal"].email)
    v1 = ReviewRequest.objects.get()
    review_url = live_server.url + reverse("approvals:review", args=[v1.pk])
    legal.goto(review_url)
    privacy = legal.locator("#section-privacy")
    open_disclosure(legal, "Suggest a change to “Confidentiality")
    privacy.get_by_label("Words to change").fill(FIRST)
    privacy.get_by_label("Replace with").fill("a duty of every one of us")
    privacy.get_by_role("button", name="Suggest this change").click()
    expect(legal.get_by_text("Edit suggested.")).to_be_visible()
    _suggest_by_keyboard(legal, "Protecting the information of patients")
    expect(legal.get_by_text("Edit suggested.")).to_be_visible()
    suggested = legal.get_by_test_id("suggestions-privacy").get_by_test_id("suggestion")
    expect(suggested).to_have_count(2)
    expect(suggested.first).to_contain_text("Waiting for the author")
    shots(legal, "review-suggestions")
    legal.locator("#section-privacy").screenshot(path=str(ARTIFACTS / "review-suggestions.png"))
    a11y(legal, "suggest-1")

    # Words that are not in the section are refused, and what was typed stays.
    open_disclosure(legal, "Suggest a change to “Confidentiality")
    privacy.get_by_label("Words to change").fill("words nobody wrote")
    privacy.get_by_label("Replace with").fill("better words")
    privacy.get_by_role("button", name="Suggest this change").click()
    expect(privacy.get_by_role("alert")).to_contain_text("Those words are not in")
    expect(privacy.get_by_label("Replace with")).to_have_value("better words")

    legal.goto(review_url)
    open_disclosure(legal, "Request changes")
    legal.get_by_label("What needs to change").fill("See my suggested edits in section 5.")
    legal.get_by_role("button", name="Send back to the author").click()
    expect(legal.get_by_test_id("review-status")).to_have_text("Changes requested")

    # The author revises; the privacy step lists both suggestions beside the editor.
    author.goto(review_url)
    author.get_by_role("button", name=re.compile("Revise")).click()
    step_url = live_server.url + reverse("guidelines:step", args=[guideline.pk, "privacy"])
    author.goto(step_url)
    waiting = author.get_by_test_id("wizard-suggestions")
    expect(waiting).to_contain_text("2 waiting")
    expect(waiting).to_contain_text("Priya Raman (Legal reviewer)")
    shots(author, "wizard-suggestions")
    # The list alone, for the documentation's picture.
    waiting.screenshot(path=str(ARTIFACTS / "wizard-suggestions-aside.png"))
    a11y(author, "suggest-2")

    # The author types at the end and, before any autosave, accepts the first with one
    # click: the typing is saved first, then the new words go in; the editor shows both.
    body = prose(author)
    body.focus()
    author.keyboard.press("Control+End")
    author.keyboard.type(" Ask the Privacy Officer when unsure.")
    first = waiting.get_by_test_id("wizard-suggestion").filter(has_text=FIRST)
    first.get_by_role("button", name="Accept").click()
    expect(author.get_by_text("Suggestion accepted")).to_be_visible()
    expect(prose(author)).to_contain_text("is a duty of every one of us at Riverside Health")
    expect(prose(author)).to_contain_text("Ask the Privacy Officer when unsure.")
    expect(author.get_by_test_id("wizard-suggestions")).to_contain_text("1 waiting")

    # The second is declined with a reason, by keyboard alone.
    second = author.get_by_test_id("wizard-suggestion").filter(has_text=SECOND)
    summary = second.locator("summary", has_text="Decline")
    summary.focus()
    author.keyboard.press("Enter")
    author.keyboard.press("Tab")
    expect(second.get_by_label("Why you decline it")).to_be_focused()
    author.keyboard.type("Patient information is the legal term; we keep it.")
    author.keyboard.press("Tab")
    expect(second.get_by_role("button", name="Decline with this reason")).to_be_focused()
    author.keyboard.press("Enter")
    expect(author.get_by_text("Suggestion declined.")).to_be_visible()
    expect(author.get_by_test_id("wizard-suggestions")).to_contain_text("0 waiting")
    shots(author, "wizard-after-decisions")
    a11y(author, "suggest-3")

    # Legal reads both decisions on the review of version 1.
    legal.goto(review_url)
    decided = legal.get_by_test_id("suggestions-privacy")
    expect(decided).to_contain_text(re.compile(r"Accepted\s+by Dana Whitfield"))
    expect(decided).to_contain_text("Patient information is the legal term")
    shots(legal, "review-decided")
    decided.screenshot(path=str(ARTIFACTS / "review-suggestions-decided.png"))
    a11y(legal, "suggest-4")

    states = dict(Suggestion.objects.values_list("quote", "state"))
    assert states == {FIRST: "accepted", SECOND: "declined"}
    row = DraftSection.objects.get(draft__is_open=True, key="privacy")
    latest = DraftSection.history.filter(id=row.pk).order_by("-history_id").first()
    assert latest.history_change_reason == "suggestion by Priya Raman accepted"
    assert "a duty of every one of us" in row.data["body"] and SECOND in row.data["body"]
    assert row.data["body"].endswith("Ask the Privacy Officer when unsure.")
