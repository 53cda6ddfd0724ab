"""Every e-mail kind: the plain-text part reads as typed, the HTML part is escaped."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from accounts.models import User
from config.mail import build, render_text, send_to_each

TYPED = 'Won\'t <b>stop</b> & "go"'
ESCAPED = "Won&#x27;t &lt;b&gt;stop&lt;/b&gt; &amp; &quot;go&quot;"
EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
# Sent by Django's password-reset view, not by config.mail: those templates switch
# escaping off themselves.
DJANGO_RENDERED = {"password_reset", "password_reset_subject"}
DATE_PARTS = {"year", "month", "day", "hour", "minute", "second", "tzinfo", "utcoffset"}
KINDS = sorted(p.stem for p in EMAILS.glob("*.txt"))


class Typed:
    """Stands for any value a template inserts: every attribute is another such value, and
    every one reads as text full of apostrophes, ampersands and angle brackets."""

    def __getattr__(self, name: str) -> Any:
        # Not a date: the date filter finds no calendar fields and prints nothing.
        if name.startswith("_") or name in DATE_PARTS:
            raise AttributeError(name)
        return Typed()

    def __iter__(self):
        return iter([Typed()])

    def __str__(self) -> str:
        return TYPED


TAG = re.compile(r"{{(.*?)}}|{%(.*?)%}", re.S)
QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
FILTER = re.compile(r"\|\w+(:\S+)?")
NAME = re.compile(r"(?<![.\w])([a-z_]\w*)")
KEYWORDS = {"if", "elif", "else", "endif", "for", "in", "endfor", "not", "and", "or", "url"}
KEYWORDS |= {"autoescape", "off", "endautoescape", "with", "endwith", "uidb64", "token"}


def context(kind: str) -> dict[str, Any]:
    """Every name the kind's two templates insert, each a Typed value; the reset link's parts
    stay reversible."""
    source = "".join(
        p.read_text() for p in (EMAILS / f"{kind}.txt", EMAILS / f"{kind}.html") if p.exists()
    )
    names = set()
    for inserted, tag in TAG.findall(source):
        names |= set(NAME.findall(FILTER.sub("", QUOTED.sub("", inserted or tag))))
    values: dict[str, Any] = {name: Typed() for name in names - KEYWORDS}
    values.update(uid="MQ", token="abc-123", protocol="https", domain="charter.example")
    return values


def test_every_email_kind_is_covered():
    assert {"review_comment", "review_changes_requested", "review_requested"} <= set(KINDS)
    assert all(
        (EMAILS / f"{kind}.html").exists() for kind in KINDS if kind != "password_reset_subject"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_text_part_has_the_characters_as_typed(kind):
    render = render_to_string if kind in DJANGO_RENDERED else render_text
    text = render(f"emails/{kind}.txt", context(kind))
    if kind == "password_reset_subject":
        assert "&#x27;" not in text and "&amp;" not in text
        return
    assert TYPED in text
    assert "&#x27;" not in text and "&lt;" not in text and "&amp;" not in text


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "password_reset_subject"])
def test_html_part_escapes_the_same_characters(kind):
    html = render_to_string(f"emails/{kind}.html", context(kind))
    assert ESCAPED in html
    assert "<b>stop</b>" not in html


def test_a_sent_comment_email_carries_plain_text_and_escaped_html(db):
    person = User.objects.create_user(email="nurse@riverside.example", full_name="Nurse Joy")
    values = context("review_comment")
    del values["user"]  # send_to_each names the person
    sent = send_to_each([person], "review_comment", "A comment", values)
    assert sent == 1
    message = mail.outbox[-1]
    assert isinstance(message, EmailMultiAlternatives)
    assert TYPED in message.body
    html = message.alternatives[0][0]
    assert ESCAPED in str(html)


def test_a_line_break_in_a_subject_neither_injects_a_header_nor_stops_the_e_mail(db):
    """Names in subjects come from forms, CSV files and directories."""
    message = build("ann@riverside.test", "Overdue: Ann\r\nBcc: x@evil.example\n", "Hi", "")
    message.send()
    sent = mail.outbox[-1].message()
    assert sent["Subject"] == "Overdue: Ann Bcc: x@evil.example"
    assert sent["Bcc"] is None and mail.outbox[-1].recipients() == ["ann@riverside.test"]
