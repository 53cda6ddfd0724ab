"""People who set their system to high contrast or to less motion keep everything they need.

The style sheets are the product here, so the pages are small documents that load Charter's
own CSS files; Chromium emulates the preference the way the operating system would set it.
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"


def _page_with_charter_css(page, body: str) -> None:
    css = "".join(
        (STATIC / name).read_text()
        for name in ("vendor/bootstrap/bootstrap.min.css", "css/charter.css", "css/compare.css")
    )
    page.set_content(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
        f"<style>{css}</style></head><body><main>{body}</main></body></html>"
    )


REDLINE = (
    '<p><ins class="redline-ins" id="ins"><span class="redline-mark" aria-hidden="true">+</span>'
    'new words</ins> <del class="redline-del" id="del"><span class="redline-mark" '
    'aria-hidden="true">−</span>old words</del></p>'
)


def _look(page, selector: str) -> dict[str, str]:
    return page.eval_on_selector(
        selector,
        """el => { const s = getComputedStyle(el);
             return {border: s.borderTopStyle, line: s.textDecorationLine} }""",
    )


def test_redline_insertions_and_deletions_differ_in_forced_colours(page):
    page.emulate_media(forced_colors="active")
    _page_with_charter_css(page, REDLINE)
    assert page.evaluate("matchMedia('(forced-colors: active)').matches")
    inserted, deleted = _look(page, "#ins"), _look(page, "#del")
    # Told apart by shape, not by a colour the system has replaced: frame and line differ.
    assert inserted["border"] == "solid" and "underline" in inserted["line"]
    assert deleted["border"] == "dashed" and "line-through" in deleted["line"]
    # The + and − marks stay visible.
    assert page.locator("#ins .redline-mark").is_visible()
    assert page.locator("#del .redline-mark").is_visible()


def test_nothing_moves_when_less_motion_is_asked_for(page):
    body = (
        '<button class="btn btn-primary" id="b">Save</button>'
        '<div class="spinner-border" id="s" role="status"><span class="visually-hidden">'
        "Working</span></div>"
    )
    _page_with_charter_css(page, body)
    moving = page.eval_on_selector("#b", "el => getComputedStyle(el).transitionDuration")
    assert moving != "0s", "the reference: buttons do animate by default"
    page.emulate_media(reduced_motion="reduce")
    _page_with_charter_css(page, body)
    assert page.eval_on_selector("#b", "el => getComputedStyle(el).transitionDuration") == "0s"
    assert page.eval_on_selector("#s", "el => getComputedStyle(el).animationDuration") == "0s"
