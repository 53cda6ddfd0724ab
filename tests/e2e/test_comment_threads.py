"""A reviewer's comment follows the guideline into its next version: legal comments and sends
version 1 back; the author reads the comment beside the wizard step, answers it and revises;
legal finds the thread on version 2 and resolves it there."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import expect

from approvals.models import Comment, ReviewRequest
from tests.e2e.autosave import expect_all_saved
from tests.e2e.conftest import open_disclosure
from tests.e2e.richtext import prose
from tests.e2e.test_signoff import _submit, as_user, cast  # noqa: F401 - fixtures used below

COMMENT = "Please name the privacy law we follow."


def test_a_thread_is_read_in_the_wizard_and_resolved_on_the_next_version(
    cast,  # noqa: F811
    as_user,  # noqa: F811
    live_server,
    shots,
    a11y,
):
    guideline = cast["guideline"]
    author = as_user(cast["author"].email)
    _submit(author, live_server, guideline, "First version of our guidelines.")

    # Legal comments on the privacy section and sends the version back.
    legal = as_user(cast["legal"].email)
    v1 = ReviewRequest.objects.get()
    legal.goto(live_server.url + reverse("approvals:review", args=[v1.pk]))
    privacy = legal.locator("#section-privacy")
    privacy.get_by_text("Comment on “Confidentiality").click()
    privacy.get_by_label("Your comment").fill(COMMENT)
    privacy.get_by_role("button", name="Post comment").click()
    expect(legal.get_by_text(COMMENT)).to_be_visible()
    open_disclosure(legal, "Request changes")
    legal.get_by_label("What needs to change").fill("Name the privacy law in section 5.")
    legal.get_by_role("button", name="Send back to the author").click()
    expect(legal.get_by_test_id("review-status")).to_have_text("Changes requested")

    # The author revises; the privacy step shows the decision and the thread beside the form.
    author.goto(live_server.url + reverse("approvals:review", args=[v1.pk]))
    author.get_by_role("button", name=re.compile("Revise")).click()
    author.goto(live_server.url + reverse("guidelines:step", args=[guideline.pk, "privacy"]))
    aside = author.get_by_role("complementary", name="Reviewers’ comments")
    expect(aside).to_contain_text("Changes requested by Priya Raman (Legal review)")
    expect(aside).to_contain_text("Name the privacy law in section 5.")
    expect(aside).to_contain_text(COMMENT)
    expect(aside).to_contain_text("Priya Raman (Legal reviewer)")
    expect(aside).to_contain_text("A reviewer closes this thread.")
    shots(author, "wizard-with-comments")
    a11y(author, "threads-1")

    # The author answers from the wizard (back on the same step) and edits the section.
    open_disclosure(author, "Reply")
    aside.get_by_label("Your reply").fill("Section 5 now names HIPAA.")
    aside.get_by_role("button", name="Post reply").click()
    expect(author.get_by_text("Reply posted.")).to_be_visible()
    expect(aside).to_contain_text("Section 5 now names HIPAA.")
    body = prose(author)
    with author.expect_response(lambda r: "/autosave/" in r.url and r.request.method == "POST"):
        body.focus()
        author.keyboard.press("Control+End")
        author.keyboard.type("\n\nWe follow HIPAA, the US health privacy law.")
        author.keyboard.press("Tab")
    expect_all_saved(author)
    _submit(author, live_server, guideline, "Names HIPAA in the privacy section.")

    # Legal finds the thread on version 2 (from version 1) and resolves it there.
    v2 = ReviewRequest.objects.get(status="open")
    legal.goto(live_server.url + reverse("approvals:review", args=[v2.pk]))
    thread = legal.locator("#section-privacy article").filter(has_text=COMMENT)
    expect(thread).to_contain_text("From version 1")
    expect(thread).to_contain_text("Section 5 now names HIPAA.")
    thread.get_by_role("button", name=re.compile("Mark resolved")).click()
    expect(legal.get_by_text("Thread resolved.")).to_be_visible()
    thread = legal.locator("#section-privacy article").filter(has_text=COMMENT)
    expect(thread).to_contain_text(re.compile(r"Resolved\s+by Priya Raman on .*\(version 2\)"))
    shots(legal, "thread-resolved-on-v2")
    a11y(legal, "threads-2")

    root = Comment.objects.get(body=COMMENT)
    assert root.review_id == v1.pk and root.resolved_in_version == 2
