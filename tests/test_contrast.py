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
