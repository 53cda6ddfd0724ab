"""Small things a visitor notices: the tab icon, and the demo served on any port."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings


def test_favicon_is_served_where_browsers_look(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO file signature


def test_every_page_names_its_icons(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg" type="image/svg+xml"' in html
    assert 'rel="icon" href="/favicon.ico"' in html
    assert (Path(settings.BASE_DIR) / "static" / "favicon.svg").read_text().startswith("<svg")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_serves_on_the_chosen_port_and_links_follow_it():
    # As typed in a fresh shell: no SITE_URL or PORT of the test run's own.
    shell = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT"}}
    plan = subprocess.run(
        ["make", "-n", "run", "PORT=8123"],
        cwd=settings.BASE_DIR,
        env=shell,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    runserver = next(line for line in plan.splitlines() if "runserver" in line)
    assert runserver.endswith("runserver 127.0.0.1:8123")
    assert "SITE_URL=http://127.0.0.1:8123" in runserver
    default = subprocess.run(
        ["make", "-n", "run"],
        cwd=settings.BASE_DIR,
        env=shell,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "runserver 127.0.0.1:8000" in default
