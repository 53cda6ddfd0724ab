"""Charter's e-mails: each a plain-text body with an HTML alternative, from
``templates/emails/<name>.txt`` and ``.html``, one message per person over one connection."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import Context
from django.template.loader import get_template, render_to_string


def render_text(name: str, context: Mapping[str, Any]) -> str:
    """A plain-text part: nothing is HTML-escaped, so "won't" never arrives as "won&#x27;t"."""
    template = get_template(name).template  # type: ignore[attr-defined]
    return str(template.render(Context(dict(context), autoescape=False)))


def send_to_each(
    users: Iterable[Any],
    template: str,
    subject: str,
    context: Mapping[str, Any],
    per_person: Callable[[Any], Mapping[str, Any]] | None = None,
) -> int:
    """Send ``template`` to each person, with ``user`` (and ``per_person(user)``, for what
    differs between people, such as a personal link) added to the context; returns how many."""
    messages = []
    for user in users:
        ctx = {**context, **(per_person(user) if per_person else {}), "user": user}
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_text(f"emails/{template}.txt", ctx),
            to=[user.email],
        )
        message.attach_alternative(render_to_string(f"emails/{template}.html", ctx), "text/html")
        messages.append(message)
    if messages:
        get_connection().send_messages(messages)
    return len(messages)
