"""Charter's e-mails: each a plain-text body with an HTML alternative, from
``templates/emails/<name>.txt`` and ``.html``, one message per person over one connection."""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import Context
from django.template.loader import get_template, render_to_string


def render_text(name: str, context: Mapping[str, Any]) -> str:
    """A plain-text part: nothing is HTML-escaped, so "won't" never arrives as "won&#x27;t"."""
    template = get_template(name).template  # type: ignore[attr-defined]
    return str(template.render(Context(dict(context), autoescape=False)))


def render_each(
    users: Iterable[Any],
    template: str,
    context: Mapping[str, Any],
    per_person: Callable[[Any], Mapping[str, Any]] | None = None,
) -> Iterator[tuple[Any, str, str]]:
    """``(user, text, html)`` for each person, ``user`` (and ``per_person(user)``) added to
    the context."""
    for user in users:
        ctx = {**context, **(per_person(user) if per_person else {}), "user": user}
        yield (
            user,
            render_text(f"emails/{template}.txt", ctx),
            render_to_string(f"emails/{template}.html", ctx),
        )


def build(to: str, subject: str, text: str, html: str) -> EmailMultiAlternatives:
    # Subjects carry names from forms, CSV files and directories: a line break in one would
    # make every send of that message fail (Django refuses header injection), so it is a space.
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    return message


def send_to_each(
    users: Iterable[Any],
    template: str,
    subject: str,
    context: Mapping[str, Any],
    per_person: Callable[[Any], Mapping[str, Any]] | None = None,
) -> int:
    """Send ``template`` to each person at once (no outbox: for people who cannot sign in yet,
    such as invitations); returns how many."""
    messages = [
        build(user.email, subject, text, html)
        for user, text, html in render_each(users, template, context, per_person)
    ]
    if messages:
        get_connection().send_messages(messages)
    return len(messages)


class Refused(Exception):
    """The mail server refused the message for good (unknown mailbox, rejected sender…)."""


def send_one(connection: Any, message: EmailMultiAlternatives) -> None:
    """Hand one message to the mail server; returns once it was accepted.

    Raises ``Refused`` when the server said no for good (a 5xx answer), anything else when it
    may work later (a connection lost, a 4xx answer)."""
    try:
        if connection.send_messages([message]) != 1:
            raise Refused("The mail server did not accept the message.")
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        if all(500 <= code < 600 for code in codes):
            raise Refused(_describe(exc)) from exc
        raise
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            raise Refused(_describe(exc)) from exc
        raise


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for code, text in exc.recipients.values()
        ]
        return "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {text}"
    return f"{exc.__class__.__name__}: {exc}"


def describe(exc: Exception) -> str:
    """A short, readable account of why a send failed, for the person's row."""
    if isinstance(exc, Refused) and exc.__cause__ is not None:
        return _describe(exc.__cause__)
    return str(exc) if isinstance(exc, Refused) else _describe(exc)
