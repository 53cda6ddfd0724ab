"""The checkers themselves: each one finds the kind of problem it is there for.

A page that passes every checker proves little unless the checkers can fail; these run them
on small pages made to break one rule each (no server needed).
"""

from __future__ import annotations

import pytest

from tests.a11y import (
    HELP_PLACE,
    axe_findings,
    help_place,
    htmlcs_errors,
    obscured_by_sticky,
    paste_into,
    reflow_problems,
    small_targets,
    validate_html,
    validator_available,
)

HEAD = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>{style}</head>'


def _doc(body: str, style: str = "") -> str:
    return (
        HEAD.format(style=f"<style>{style}</style>" if style else "")
        + f"<body>{body}</body></html>"
    )


def test_each_checker_finds_its_own_kind_of_problem(page):
    page.set_viewport_size({"width": 800, "height": 400})
    # Two fields share an id: the second label names the first field. A 12 px button.
    broken = _doc(
        '<main><h1>Groups</h1><form><label for="id_name">Group name</label>'
        '<input id="id_name" name="a"><label for="id_name">Role name</label>'
        '<input id="id_name" name="b"><button type="submit">Add</button></form>'
        '<p><button type="button" class="tiny">x</button><button type="button" class="tiny">y'
        "</button></p></main>",
        ".tiny { width: 12px; height: 12px; padding: 0; font-size: 8px; margin: 0; border: 0 }",
    )
    page.set_content(broken)
    assert any("F77" in e for e in htmlcs_errors(page)), htmlcs_errors(page)
    assert "target-size" in {rule for rule, _, _ in axe_findings(page)}
    assert [t for t in small_targets(page) if "12x12px" in t] == [
        'button[button] "x" 12x12px',
        'button[button] "y" 12x12px',
    ]

    page.set_content(_doc('<main><h1>Wide</h1><p style="width: 600px">text</p></main>'))
    assert reflow_problems(page), "a 600 px paragraph must not fit 320 px"
    assert page.viewport_size == {"width": 800, "height": 400}  # put back as it was

    page.set_content(
        _doc(
            '<main><h1>Form</h1><div style="height: 900px"></div><input aria-label="Last">'
            '<div style="height: 300px"></div></main><div class="bar">Save</div>',
            ".bar { position: fixed; inset: auto 0 0 0; height: 200px; background: #fff }",
        )
    )
    page.evaluate("() => document.documentElement.style.scrollPaddingBottom = '0px'")
    # Focusing scrolls the field just into view: under the bar that covers the window's foot.
    assert obscured_by_sticky(page)
    page.evaluate("() => document.documentElement.style.scrollPaddingBottom = '220px'")
    assert obscured_by_sticky(page) == []


@pytest.mark.skipif(not validator_available(), reason="needs Java")
def test_the_validator_names_each_invalid_page():
    found = validate_html(
        {
            "valid": _doc("<main><h1>Fine</h1></main>"),
            "invalid": _doc('<main><h1>Bad</h1><div hx-get="/x">x</div><p id="a"></p><p id="a">'),
        }
    )
    assert set(found) == {"invalid"}
    assert any("hx-get" in e for e in found["invalid"])
    assert any("Duplicate ID" in e for e in found["invalid"])


def test_a_small_target_with_room_around_it_is_still_measured(page):
    # axe lets a 16 px radio pass when nothing else is within 24 px; 2.5.8 is measured here.
    page.set_content(
        _doc(
            '<main><h1>Quiz</h1><p><input type="radio" id="a" name="q"><label for="a">Yes'
            "</label></p></main>",
            "input { width: 16px; height: 16px }",
        )
    )
    assert small_targets(page) == ['input[radio] "q" 16x16px']


FOOTER = (
    '<footer><nav aria-label="Help"><a href="mailto:help@example.org">help</a> '
    '<a href="/accessibility/">Accessibility statement</a></nav></footer>'
)


def test_help_must_stay_at_the_foot_help_first(page):
    page.set_content(_doc(f"<main><h1>Page</h1></main>{FOOTER}<script></script>"))
    assert help_place(page) == HELP_PLACE
    page.set_content(_doc(f"<main><h1>Page</h1></main>{FOOTER}<aside>Later</aside>"))
    assert help_place(page)["footer_last"] is False
    swapped = FOOTER.replace("mailto:help@example.org", "/x/").replace(
        '"/accessibility/"', '"mailto:help@example.org"'
    )
    page.set_content(_doc(f"<main><h1>Page</h1></main>{swapped}"))
    assert help_place(page) != HELP_PLACE
    page.set_content(_doc("<main><h1>No footer</h1></main>"))
    assert help_place(page) != HELP_PLACE


def test_paste_is_refused_only_where_a_script_blocks_it(page):
    page.set_content(
        _doc(
            '<main><h1>Sign in</h1><label for="p">Password</label><input id="p" type="password">'
            '<label for="c">Code</label><input id="c" inputmode="numeric"></main>'
            "<script>document.getElementById('c').addEventListener("
            "'paste', (e) => e.preventDefault())</script>"
        )
    )
    assert paste_into(page.locator("#p"), "correct horse") is True
    assert page.locator("#p").input_value() == "correct horse"
    assert paste_into(page.locator("#c"), "123456") is False
    assert page.locator("#c").input_value() == ""
