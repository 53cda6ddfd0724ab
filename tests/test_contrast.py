"""Every link meets 4.5:1 on the backgrounds Charter draws it on, computed from the CSS itself.

Colours are read from the vendored Bootstrap and from Charter's own style sheets, so changing
either (a new tinted box, a new link colour) is checked without a browser.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parent.parent / "static" / "css"
BOOTSTRAP = CSS.parent / "vendor" / "bootstrap" / "bootstrap.min.css"
ALERTS = ("primary", "secondary", "success", "info", "warning", "danger", "light", "dark")
AA = 4.5


def luminance(colour: str) -> float:
    hexa = colour.lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    channels = [int(hexa[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def variables(css: str) -> dict[str, str]:
    """Custom properties set on :root (light theme), later declarations winning."""
    found: dict[str, str] = {}
    for block in re.findall(r":root(?:,\[data-bs-theme=light\])?\s*\{([^}]*)\}", css):
        for name, value in re.findall(r"(--[\w-]+)\s*:\s*([^;]+)", block):
            found[name] = value.strip()
    return found


def charter_css() -> str:
    return "\n".join(p.read_text() for p in sorted(CSS.glob("*.css")) if p.name != "print.css")


@pytest.fixture(scope="module")
def colours() -> dict[str, str]:
    return {**variables(BOOTSTRAP.read_text()), **variables(charter_css())}


def test_the_link_colour_is_set_by_charter_with_its_rgb_twin(colours):
    link = colours["--bs-link-color"]
    rgb = ",".join(str(int(link.lstrip("#")[i : i + 2], 16)) for i in (0, 2, 4))
    assert colours["--bs-link-color-rgb"].replace(" ", "") == rgb
    hover = colours["--bs-link-hover-color"]
    rgb = ",".join(str(int(hover.lstrip("#")[i : i + 2], 16)) for i in (0, 2, 4))
    assert colours["--bs-link-hover-color-rgb"].replace(" ", "") == rgb


def light_backgrounds() -> set[str]:
    """Every light background colour Charter's own CSS paints (where body links appear)."""
    found = re.findall(r"background(?:-color)?\s*:\s*(#[0-9a-fA-F]{3,6})\b", charter_css())
    return {c.lower() for c in found if luminance(c) > 0.5} | {"#ffffff"}


@pytest.mark.parametrize("state", ["--bs-link-color", "--bs-link-hover-color"])
def test_links_meet_aa_on_every_light_background(colours, state):
    backgrounds = light_backgrounds()
    assert "#fbfcfd" in backgrounds  # the wizard's checks box, where failing checks link
    for background in sorted(backgrounds):
        ratio = contrast(colours[state], background)
        assert ratio >= AA, f"{state} on {background}: {ratio:.2f}:1"


@pytest.mark.parametrize("variant", ALERTS)
def test_links_inside_every_alert_meet_aa(colours, variant):
    assert re.search(
        r"\.alert a:not\(\.btn\)\s*\{\s*color:\s*var\(--bs-alert-link-color", charter_css()
    ), "links inside alerts take the alert's link colour"
    background = colours[f"--bs-{variant}-bg-subtle"]
    link = colours[f"--bs-{variant}-text-emphasis"]  # Bootstrap's --bs-alert-link-color
    ratio = contrast(link, background)
    assert ratio >= AA, f"link in .alert-{variant}: {ratio:.2f}:1"
    # Even a link that missed the rule would pass on the tinted alerts staff see most.
    if variant in ("info", "warning"):
        assert contrast(colours["--bs-link-color"], background) >= AA


def blend(rgba: str, colours: dict[str, str], under: str = "#ffffff") -> str:
    """``rgba(var(--bs-x-rgb), a)`` (as Bootstrap writes its tints) painted over ``under``."""
    match = re.fullmatch(r"rgba\(var\((--[\w-]+)\),\s*([\d.]+)\)", rgba.strip())
    assert match, rgba
    top = [int(c) for c in colours[match[1]].split(",")]
    alpha = float(match[2])
    base = [int(under.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(
        f"{round(t * alpha + b * (1 - alpha)):02x}" for t, b in zip(top, base, strict=True)
    )


def component_variable(name: str) -> str:
    """A Bootstrap component's own custom property, e.g. ``--bs-table-striped-bg``."""
    match = re.search(re.escape(name) + r"\s*:\s*([^;}]+)", BOOTSTRAP.read_text())
    assert match, name
    return match[1]


def tinted_backgrounds(colours: dict[str, str]) -> dict[str, str]:
    """Every tint Bootstrap lays under text Charter shows: body greys, the subtle colour of
    each alert and badge kind, card headers and footers, striped, hovered and active table
    rows."""
    found = {
        "tertiary (bg-body-tertiary)": colours["--bs-tertiary-bg"],
        "secondary (bg-body-secondary)": colours["--bs-secondary-bg"],
        "card header and footer": blend(component_variable("--bs-card-cap-bg"), colours),
        "table stripe": blend(component_variable("--bs-table-striped-bg"), colours),
        "table hover": blend(component_variable("--bs-table-hover-bg"), colours),
        "table active": blend(component_variable("--bs-table-active-bg"), colours),
    }
    for variant in ALERTS:
        found[f"{variant} subtle (alert, list item)"] = colours[f"--bs-{variant}-bg-subtle"]
    return found


@pytest.mark.parametrize("state", ["--bs-link-color", "--bs-link-hover-color"])
def test_links_meet_aa_on_every_tint_bootstrap_paints(colours, state):
    found = tinted_backgrounds(colours)
    assert len(found) == 6 + len(ALERTS)
    # The dark tint is drawn only by .alert-dark and dark list items, whose links take their
    # own dark colour (above); no template uses it for anything else.
    templates = CSS.parents[1] / "templates"
    assert not any(
        re.search(r"\b(bg-dark-subtle|list-group-item-dark)\b", p.read_text())
        for p in templates.rglob("*.html")
    )
    del found["dark subtle (alert, list item)"]
    weak = {
        name: round(contrast(colours[state], background), 2)
        for name, background in found.items()
        if contrast(colours[state], background) < AA
    }
    assert weak == {}, f"{state} below {AA}:1 on {weak}"


def test_body_and_muted_text_meet_aa_on_every_tint(colours):
    """Plain and secondary text on the same tints (cards, stripes, alerts)."""
    body = colours["--bs-body-color"]
    weak = {
        name: round(contrast(body, bg), 2)
        for name, bg in tinted_backgrounds(colours).items()
        if contrast(body, bg) < AA
    }
    assert weak == {}
    # Secondary text (text-body-secondary) is Bootstrap's body colour at 75 %, so its shade
    # depends on what it sits on.
    muted = colours["--bs-secondary-color"].replace("33, 37, 41", "var(--bs-body-color-rgb)")
    for name, background in tinted_backgrounds(colours).items():
        if name.startswith(("dark", "secondary subtle")):
            continue  # Charter writes no secondary text on these
        ratio = contrast(blend(muted, colours, under=background), background)
        assert ratio >= AA, f"secondary text on {name}: {ratio:.2f}:1"
