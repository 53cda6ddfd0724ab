"""Production responses carry the security headers; no template needs inline script or style."""

import http.client
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from bench import harness

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"

PRODUCTION = {
    "DEBUG": False,
    "SECURE_SSL_REDIRECT": False,  # the proxy terminates TLS; tests call with secure=True
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _assert_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    policy = _directives(csp)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    hsts = response.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts and "preload" in hsts
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions, feature
    assert "Server" not in response.headers


@override_settings(**PRODUCTION)
def test_login_page_sends_security_headers_and_secure_cookies(db):
    client = Client()  # a new client builds its middleware under these settings
    response = client.get(reverse("accounts:login"), secure=True)
    assert response.status_code == 200
    _assert_headers(response)
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


@override_settings(**PRODUCTION)
def test_signed_in_pages_send_security_headers_and_secure_session_cookie(employee, password):
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {"username": employee.email, "password": password},
        secure=True,
    )
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    for name in ("accounts:two_factor", "accounts:notifications"):
        page = client.get(reverse(name), secure=True)
        assert page.status_code == 200, name
        _assert_headers(page)


@override_settings(**PRODUCTION)
def test_two_factor_page_renders_its_qr_code_without_inline_style(employee):
    client = Client()
    client.force_login(employee.user)
    html = client.get(reverse("accounts:two_factor"), secure=True).content.decode()
    assert "<svg" in html
    assert not re.search(r"\sstyle\s*=", html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


# --- Nothing a signed-in person sees stays in the browser ------------------------------


def test_every_page_for_a_signed_in_person_is_no_store(admin, password):
    client = Client()
    login = client.post(reverse("accounts:login"), {"username": admin.email, "password": password})
    assert login["Cache-Control"] == "no-store"  # the redirect that completes sign-in too
    for name in (
        "accounts:people",
        "audit:events",
        "publishing:campaigns",
        "accounts:notifications",
        "home",
    ):
        page = client.get(reverse(name))
        assert page.status_code == 200, name
        assert page["Cache-Control"] == "no-store", name
        assert "Expires" not in page.headers, name


def test_signing_out_clears_the_browsers_cache_and_storage(employee, password):
    client = Client()
    client.post(reverse("accounts:login"), {"username": employee.email, "password": password})
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert response["Cache-Control"] == "no-store"
    after = client.get(reverse("accounts:login"))
    assert "Clear-Site-Data" not in after.headers  # only the response that ends the session


def test_an_idle_session_that_ends_also_clears_the_browser(employee, password):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = Client()
        client.post(reverse("accounts:login"), {"username": employee.email, "password": password})
        traveller.shift(timedelta(minutes=31))
        response = client.get(reverse("accounts:notifications"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'


# --- The server software is not announced ----------------------------------------------


def test_gunicorn_with_charters_config_sends_no_server_header(tmp_path):
    env = harness.server_env(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    port = harness.free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=log,
    )
    try:
        headers: dict[str, str] | None = None
        deadline = time.monotonic() + 30
        while headers is None and time.monotonic() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                connection.request("GET", "/accounts/login/")
                response = connection.getresponse()
                headers = {name.lower(): value for name, value in response.getheaders()}
            except OSError:
                time.sleep(0.2)
            finally:
                connection.close()
        assert headers is not None, (tmp_path / "gunicorn.log").read_text()
        assert "server" not in headers
        assert "camera=()" in headers["permissions-policy"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- Templates -------------------------------------------------------------------------

TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.S)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
INLINE_PROBLEMS = {
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def _template_problems(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    problems = []
    for attrs, body in SCRIPT.findall(text):
        data_block = re.search(r"type\s*=\s*[\"']application/(ld\+)?json", attrs)
        if body.strip() and not data_block:
            problems.append("inline <script> code")
        if "src" not in attrs and not data_block:
            problems.append("<script> without src")
    if re.search(r"<style\b", text, re.I):
        problems.append("<style> element")
    for tag in TAG.findall(text):
        for label, pattern in INLINE_PROBLEMS.items():
            if pattern.search(tag):
                problems.append(label)
    return sorted(set(problems))


def test_no_template_needs_inline_script_or_style():
    offenders = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.parts[-2] == "emails":
            continue  # e-mail bodies are read in mail clients, not under the site's CSP
        problems = _template_problems(path)
        if problems:
            offenders[str(path.relative_to(TEMPLATES))] = problems
    assert offenders == {}, f"Templates with inline script or style: {offenders}"


def test_template_scan_catches_what_it_should(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<div style="color:red" onclick="x()"><script>alert(1)</script>'
        '<a href="javascript:void(0)">x</a><style>p{}</style></div>'
    )
    assert _template_problems(bad) == [
        "<script> without src",
        "<style> element",
        "event handler attribute",
        "inline <script> code",
        "javascript: URL",
        "style attribute",
    ]
    good = tmp_path / "good.html"
    good.write_text(
        "{% load static %}<script src=\"{% static 'js/page.js' %}\"></script>"
        '<script type="application/json" id="data">{"a": 1}</script>'
        '<p class="one">Someone=one</p>'
    )
    assert _template_problems(good) == []
