"""Refresh the screenshots in docs/images/ by walking the demo through a guideline's life.

    .venv/bin/python scripts/screenshots.py            # or: make screenshots

It builds a throwaway demo database, serves it on a free local port, follows the same persona
journey as the browser test (tests/e2e/persona_journey.py) in Chromium, and saves the screens
the documentation shows. Nothing here runs in ``make test``. Needs Chromium (CHROMIUM_PATH,
default /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import FloatRect, Page, ViewportSize, sync_playwright  # noqa: E402

from tests.e2e.persona_journey import PASSWORD, REVIEWERS_COMMENTS, Journey  # noqa: E402

IMAGES = ROOT / "docs" / "images"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@dataclass(frozen=True)
class Shot:
    """Which journey page becomes which picture, and how much of the page it shows."""

    file: str
    # The picture runs from the top of the page to the bottom of this region (by its
    # accessible name), or of the main content when none is named.
    until: str | re.Pattern[str] | None = None
    # For phone pictures: also show the part of the page with this region, beside the top.
    beside: str | None = None
    max_height: int = 1000


SHOTS: dict[str, Shot] = {
    "author-home-changes-requested": Shot("author-home-queue.png", until="After submitting"),
    "wizard-failing-check": Shot(
        "wizard-checks.png", until="Checks for this section", max_height=1300
    ),
    "wizard-comments": Shot("wizard-comments.png", until=REVIEWERS_COMMENTS),
    "legal-review-v2": Shot("review-sign-off.png", until="Sign-off", max_height=780),
    "admin-home-ready": Shot("admin-home-ready.png", until="Ready to publish"),
    "publish-confirm": Shot("publish-confirm.png"),
    "employee-acknowledge": Shot("employee-acknowledge-phone.png", beside="Acknowledge"),
    "audit-trail": Shot("audit-trail.png"),
}
MARGIN = 12


def capture(page: Page, shot: Shot) -> None:
    """Save one picture, small: cropped to what it shows and reduced to a 256-colour palette."""
    from PIL import Image

    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    path = IMAGES / shot.file
    if shot.beside:
        page.evaluate("window.scrollTo(0, 0)")
        top = Image.open(io.BytesIO(page.screenshot()))
        page.get_by_role("region", name=re.compile(f"^{shot.beside}")).scroll_into_view_if_needed()
        lower = Image.open(io.BytesIO(page.screenshot()))
        gap = 32
        image = Image.new("RGB", (top.width * 2 + gap * 3, top.height + gap * 2), "#d9dee3")
        image.paste(top, (gap, gap))
        image.paste(lower, (top.width + gap * 2, gap))
    else:
        target = (
            page.get_by_role("region", name=shot.until).or_(
                page.get_by_role("complementary", name=shot.until)
            )
            if shot.until
            else page.locator("main")
        )
        box = target.first.bounding_box()
        assert box is not None, shot
        scroll = page.evaluate("window.scrollY")
        width = page.viewport_size["width"] if page.viewport_size else 1200
        height = min(box["y"] + scroll + box["height"] + MARGIN, shot.max_height)
        clip: FloatRect = {"x": 0, "y": 0, "width": width, "height": height}
        image = Image.open(io.BytesIO(page.screenshot(full_page=True, clip=clip)))
    image = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    image.save(path, optimize=True)
    print(
        f"{path.relative_to(ROOT)}: {image.width}x{image.height}, {path.stat().st_size // 1024} KB"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def demo_server() -> Iterator[str]:
    """A demo Charter on a fresh SQLite database, served until the block ends."""
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/demo.sqlite3",
            "DEBUG": "1",
            "CHARTER_INSECURE_COOKIES": "1",
            "EMAIL_URL": "locmem://",
            "SITE_URL": url,
        }
        env.pop("CHARTER_TESTING", None)
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "load_demo", "-v0")
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(f"{url}/accounts/login/", timeout=2)
                    break
                time.sleep(0.2)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", metavar="FOLDER", help="also save every page reached here")
    args = parser.parse_args()
    every = Path(args.all) if args.all else None
    IMAGES.mkdir(parents=True, exist_ok=True)
    if every:
        every.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    with demo_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

        def open_as(who: str, viewport: ViewportSize) -> Page:
            page = browser.new_context(viewport=viewport).new_page()
            page.goto(f"{url}/accounts/login/")
            page.get_by_label("Email").fill(f"{who}@riverside.example")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url("**/home/")
            return page

        def visit(page: Page, name: str) -> None:
            counter["n"] += 1
            if name in SHOTS:
                capture(page, SHOTS[name])
            if every:
                page.screenshot(path=str(every / f"{counter['n']:02d}-{name}.png"), full_page=True)

        Journey(open_as=open_as, visit=visit).run()
        browser.close()


if __name__ == "__main__":
    main()
