"""An author writes in the wizard's rich-text editor by keyboard: formats, links, pastes from
Word, Google Docs and a web page, undoes, autosaves, and restores an earlier revision."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from guidelines.models import DraftSection
from tests.e2e.autosave import expect_all_saved
from tests.e2e.richtext import clipboard, paste, prose
from tests.e2e.test_signoff import as_user, cast  # noqa: F401 - fixtures used below


def _stored(guideline, key: str = "response") -> str:
    return DraftSection.objects.get(draft__guideline=guideline, draft__is_open=True, key=key).data[
        "body"
    ]


def _saved_after(page: Page, action) -> None:
    with page.expect_response(lambda r: "/autosave/" in r.url and r.request.method == "POST"):
        action()
    expect_all_saved(page)


def test_author_writes_formats_pastes_undoes_and_restores(
    cast,  # noqa: F811
    as_user,  # noqa: F811
    live_server,
    shots,
    a11y,
):
    guideline = cast["guideline"]
    page = as_user(cast["author"].email)
    page.goto(live_server.url + reverse("guidelines:step", args=[guideline.pk, "response"]))
    editor = prose(page)
    expect(editor).to_be_visible()
    expect(page.get_by_text("Markdown:", exact=False)).to_be_hidden()
    toolbar = page.get_by_role("toolbar", name="Formatting: Guidance")
    a11y(page, "editor")

    # Typing with keyboard shortcuts: bold and italic, saved as canonical text.
    editor.focus()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")  # a new item of the list the section ends with
    page.keyboard.press("Enter")  # an empty item: Enter again leaves the list
    page.keyboard.type("Plain words, then ")
    page.keyboard.press("Control+b")
    page.keyboard.type("bold words")
    page.keyboard.press("Control+b")
    page.keyboard.type(" and ")
    page.keyboard.press("Control+i")
    page.keyboard.type("slanted ones")
    page.keyboard.press("Control+i")
    _saved_after(page, lambda: page.keyboard.type("."))
    assert "Plain words, then **bold words** and *slanted ones*." in _stored(guideline)

    # The toolbar by keyboard alone: Alt+F10, arrows, Enter; the state is announced in words.
    page.keyboard.press("Alt+F10")
    expect(toolbar.get_by_role("button", name="Bold")).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    bullets = toolbar.get_by_role("button", name="Bulleted list")
    expect(bullets).to_be_focused()
    page.keyboard.press("Enter")
    expect(bullets).to_have_attribute("aria-pressed", "true")
    expect(editor.locator("li", has_text="Plain words, then")).to_be_visible()
    # Undo takes the list away again.
    page.keyboard.press("End")
    expect(toolbar.get_by_role("button", name="Redo")).to_be_disabled()
    toolbar.get_by_role("button", name="Undo").focus()
    page.keyboard.press("Enter")
    expect(editor.locator("li", has_text="Plain words, then")).to_have_count(0)
    expect(editor.locator("p", has_text="Plain words, then")).to_be_visible()

    # A link on selected words, by Ctrl+K; the address is completed.
    editor.locator("p", has_text="Plain words, then").click()
    page.keyboard.press("End")
    page.keyboard.press("Shift+Home")
    page.keyboard.press("Control+k")
    address = page.get_by_label("Link address")
    expect(address).to_be_focused()
    page.keyboard.type("www.riverside-health.example/rules")
    _saved_after(page, lambda: page.keyboard.press("Enter"))
    link = editor.get_by_role("link", name=re.compile("Plain words"))
    expect(link).to_have_attribute("href", "https://www.riverside-health.example/rules")
    shots(page, "typed-and-linked")

    # Pasting from Word keeps bold, italic and the list; drops fonts, colours, tracked
    # deletions, comment marks and pictures.
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    _saved_after(page, lambda: paste(editor, html=clipboard("word.html"), text="Before you post"))
    expect(editor.locator("strong", has_text="Before you post from a ward")).to_be_visible()
    expect(editor.locator("li", has_text="No patient faces, names or wristbands")).to_be_visible()
    expect(editor.locator("li em", has_text="whiteboards")).to_be_visible()
    expect(editor).to_contain_text("kept wording")
    expect(editor).not_to_contain_text("old wording")
    expect(editor).not_to_contain_text("[L1]")
    stored = _stored(guideline)
    assert "**Before you post from a ward** check the room twice." in stored
    assert "- No patient faces, names or wristbands\n- No screens or *whiteboards*" in stored
    assert "Comic" not in stored and "C00000" not in stored and "img" not in stored

    # Google Docs: its heading becomes the editor's heading, its bold and italic stay, the
    # highlight goes, and the numbered list stays numbered.
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    _saved_after(page, lambda: paste(editor, html=clipboard("google-docs.html"), text="When"))
    expect(editor.locator("h3", has_text="When a post goes wrong")).to_be_visible()
    stored = _stored(guideline)
    assert "# When a post goes wrong" in stored
    assert "**Do not delete it** before you have told the" in stored
    assert "[*social media team*](https://www.riverside-health.example/social)." in stored
    assert "1. Take a screenshot\n2. Call the on-call lead" in stored

    # A web page: the script, the button, the picture and the javascript: link go.
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # out of the numbered list
    _saved_after(page, lambda: paste(editor, html=clipboard("web-page.html"), text="Three"))
    stored = _stored(guideline)
    assert "## Three habits for safer posting" in stored
    assert "[social media policy](https://www.riverside-health.example/policies/social-media)" in (
        stored
    )
    assert "**never** reply" in stored
    assert "Think before you *share* this link" in stored
    assert "cookie" not in stored and "Subscribe" not in stored and "javascript" not in stored
    shots(page, "pasted")

    # A 5 MB paste is refused with a message; nothing changes, nothing saved is lost.
    before = _stored(guideline)
    paste(editor, text="x" * (5 * 1024 * 1024))
    expect(page.get_by_role("alert").filter(has_text="Not pasted")).to_be_visible()
    a11y(page, "paste-refused")
    expect(page.locator("[data-wizard-form]")).to_have_attribute("data-save-state", "saved")
    assert _stored(guideline) == before

    # Restore the first revision from the section's history: the editor shows it again.
    first = DraftSection.history.filter(draft__guideline=guideline, key="response").earliest(
        "history_date"
    )
    page.goto(
        live_server.url + reverse("guidelines:section_history", args=[guideline.pk, "response"])
    )
    a11y(page, "section-history")
    restore = re.compile(rf"Restore this text.*revision {first.revision}\)")
    page.get_by_role("button", name=restore).click()
    page.goto(live_server.url + reverse("guidelines:step", args=[guideline.pk, "response"]))
    expect(prose(page)).not_to_contain_text("Plain words, then")
    assert _stored(guideline) == first.data["body"]
