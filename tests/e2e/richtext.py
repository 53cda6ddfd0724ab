"""Working the wizard's rich-text editor the way a person does: keys, toolbar, clipboard."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page

CLIPBOARD = Path(__file__).resolve().parent / "clipboard"


def prose(page: Page, name: str = "Guidance") -> Locator:
    """The editor of a prose field (the hidden Markdown box is not a visible textbox)."""
    editable = page.locator("[contenteditable]")
    return page.get_by_role("textbox", name=name, exact=False).and_(editable)


def paste(editor: Locator, *, html: str = "", text: str = "") -> None:
    """Paste clipboard contents into the editor, as Ctrl+V does with what the source copied."""
    editor.evaluate(
        """(el, data) => {
            el.focus();
            const clip = new DataTransfer();
            if (data.html) clip.setData("text/html", data.html);
            clip.setData("text/plain", data.text);
            el.dispatchEvent(new ClipboardEvent(
                "paste", {clipboardData: clip, bubbles: true, cancelable: true}));
        }""",
        {"html": html, "text": text},
    )


def clipboard(name: str) -> str:
    """Clipboard HTML as Word, Google Docs or a browser puts it there (written for Charter)."""
    return (CLIPBOARD / name).read_text(encoding="utf-8")


def delete_item(page: Page, item: Locator) -> None:
    """Select a list item's words with the mouse and delete them, then the emptied item."""
    item.click(click_count=3)
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")


def append(page: Page, editor: Locator, text: str) -> None:
    """Type at the end of the editor; a newline in ``text`` is the Enter key."""
    editor.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def undo_until(page: Page, editor: Locator, text: str, presses: int = 6) -> None:
    """Press Ctrl+Z in the editor until ``text`` is back (each pause in typing is one step)."""
    editor.focus()
    for _ in range(presses):
        if text in editor.inner_text():
            return
        page.keyboard.press("Control+z")
    assert text in editor.inner_text(), f"undo did not bring back {text!r}"
