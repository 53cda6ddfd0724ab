"""A reviewer comments on exactly some words, selected with the mouse and with the keyboard;
the thread quotes them and the text marks them. On the next version, words that are still
there stay marked, and a thread whose words changed says so, with the old and new wording."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from approvals.models import Comment, ReviewRequest
from guidelines.models import DraftSection
from tests.e2e.conftest import open_disclosure
from tests.e2e.test_signoff import _submit, as_user, cast  # noqa: F401 - fixtures used below

MOUSE_WORDS = "online as much as on the unit"
KEYBOARD_WORDS = "Protecting patient information"


def drag_across(page: Page, section: str, words: str) -> None:
    """Press the mouse before the first letter of ``words`` and release it after the last."""
    box = page.evaluate(
        """([section, words]) => {
            const root = document.querySelector(`[data-quote-section="${section}"]`);
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(words);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at); range.setEnd(node, at + 1);
                const first = range.getBoundingClientRect();
                range.setStart(node, at + words.length - 1); range.setEnd(node, at + words.length);
                const last = range.getBoundingClientRect();
                return {x1: first.left + 1, y1: first.top + first.height / 2,
                        x2: last.right - 1, y2: last.top + last.height / 2};
            }
            return null;
        }""",
        [section, words],
    )
    assert box, f"{words!r} is not in the text"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, box["y2"], steps=5)
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()


def test_comment_on_selected_words_then_see_them_changed_on_the_next_version(
    cast,  # noqa: F811
    as_user,  # noqa: F811
    live_server,
    shots,
    a11y,
):
    guideline = cast["guideline"]
    author = as_user(cast["author"].email)
    _submit(author, live_server, guideline, "First version of our guidelines.")

    legal = as_user(cast["legal"].email)
    v1 = ReviewRequest.objects.get()
    legal.goto(live_server.url + reverse("approvals:review", args=[v1.pk]))
    privacy = legal.locator("#section-privacy")
    actions = privacy.get_by_test_id("quote-actions")
    expect(actions).to_be_hidden()

    # With the mouse: drag across the words; the action appears and the words are announced.
    legal.locator('[data-quote-section="privacy"]').scroll_into_view_if_needed()
    drag_across(legal, "privacy", MOUSE_WORDS)
    expect(actions).to_be_visible()
    expect(legal.get_by_test_id("quote-announcer")).to_contain_text(f"Selected “{MOUSE_WORDS}”")
    shots(legal, "words-selected")
    actions.get_by_role("button", name="Comment on these words").click()
    expect(privacy.get_by_label("Words you are commenting on")).to_have_value(MOUSE_WORDS)
    expect(privacy.get_by_label("Your comment")).to_be_focused()
    legal.keyboard.type("“Online” covers messaging apps too: say so.")
    privacy.get_by_role("button", name="Post comment").click()
    expect(legal.get_by_text("Comment posted.")).to_be_visible()
    privacy = legal.locator("#section-privacy")
    mouse_thread = privacy.locator("article").filter(has_text="messaging apps")
    expect(mouse_thread.get_by_test_id("quote")).to_contain_text(MOUSE_WORDS)
    mark = privacy.locator("mark.approvals-quote")
    expect(mark).to_contain_text(MOUSE_WORDS)
    expect(mark).to_contain_text("[words of comment 1]")
    expect(privacy.get_by_role("link", name="comment 1")).to_be_visible()

    # With the keyboard alone: Tab into the text, Shift+Ctrl+Right three times, Tab to the
    # action, Enter, type, and post.
    text = legal.locator('[data-quote-section="privacy"]')
    legal.locator("#section-disclosure summary").last.focus()
    for _ in range(20):
        if text.evaluate("t => t === document.activeElement"):
            break
        legal.keyboard.press("Tab")
    expect(text).to_be_focused()
    for _ in range(3):
        legal.keyboard.press("Control+Shift+ArrowRight")
    expect(actions).to_be_visible()
    expect(legal.get_by_test_id("quote-announcer")).to_contain_text(KEYBOARD_WORDS)
    button = actions.get_by_role("button", name="Comment on these words")
    for _ in range(10):
        if button.evaluate("b => b === document.activeElement"):
            break
        legal.keyboard.press("Tab")
    expect(button).to_be_focused()
    legal.keyboard.press("Enter")
    expect(privacy.get_by_label("Words you are commenting on")).to_have_value(KEYBOARD_WORDS)
    expect(privacy.get_by_label("Your comment")).to_be_focused()
    legal.keyboard.type("Whose information? Staff details are private too.")
    legal.keyboard.press("Tab")
    expect(privacy.get_by_role("button", name="Post comment")).to_be_focused()
    legal.keyboard.press("Enter")
    expect(legal.get_by_text("Comment posted.")).to_be_visible()
    keyboard_thread = legal.locator("#section-privacy article").filter(has_text="Staff details")
    expect(keyboard_thread.get_by_test_id("quote")).to_contain_text(KEYBOARD_WORDS)
    shots(legal, "words-commented")
    a11y(legal, "comment-on-words-1")
    assert set(Comment.objects.values_list("quote", flat=True)) == {MOUSE_WORDS, KEYBOARD_WORDS}

    # Legal sends it back; the author revises and rewords one of the two passages.
    open_disclosure(legal, "Request changes")
    legal.get_by_label("What needs to change").fill("See my comments on privacy.")
    legal.get_by_role("button", name="Send back to the author").click()
    expect(legal.get_by_test_id("review-status")).to_have_text("Changes requested")
    author.goto(live_server.url + reverse("approvals:review", args=[v1.pk]))
    author.get_by_role("button", name=re.compile("Revise")).click()
    section = DraftSection.objects.get(
        draft__guideline=guideline, draft__is_open=True, key="privacy"
    )
    section.data = {
        **section.data,
        "body": section.data["body"].replace(
            MOUSE_WORDS, "online and in messaging apps as much as on the ward"
        ),
    }
    section.save()
    _submit(author, live_server, guideline, "Privacy covers messaging apps.")

    # On version 2: the keyboard thread's words are still there and marked; the mouse
    # thread's words changed, and the thread says so with the old and the new wording.
    v2 = ReviewRequest.objects.get(status="open")
    legal.goto(live_server.url + reverse("approvals:review", args=[v2.pk]))
    privacy = legal.locator("#section-privacy")
    changed = (
        privacy.locator("article")
        .filter(has_text="messaging apps too")
        .get_by_test_id("quote-changed")
    )
    expect(changed).to_contain_text("On text that has since changed.")
    expect(changed).to_contain_text(MOUSE_WORDS)
    expect(changed.get_by_test_id("quote-now")).to_contain_text(
        "online and in messaging apps as much as on the ward"
    )
    expect(changed.locator("del")).to_contain_text("unit")
    expect(changed.locator("ins").first).to_be_visible()
    kept = privacy.locator("article").filter(has_text="Staff details")
    expect(kept.get_by_test_id("quote")).to_contain_text(KEYBOARD_WORDS)
    still = privacy.locator("mark.approvals-quote:not(.approvals-quote-changed-text)")
    expect(still).to_have_count(1)
    expect(still).to_contain_text(KEYBOARD_WORDS)
    # The passage that replaced the changed words is marked too, named as such.
    replaced = privacy.locator("mark.approvals-quote-changed-text")
    expect(replaced).to_contain_text("[changed words of comment 1]")
    expect(replaced).to_contain_text("online and in messaging apps as much as on the ward")
    expect(privacy.get_by_role("link", name="comment 1 (changed)")).to_be_visible()
    changed.scroll_into_view_if_needed()
    shots(legal, "since-changed")
    a11y(legal, "comment-on-words-2")
