"""Charter's e-mails: each a plain-text body with an HTML alternative, from
``templates/emails/<name>.txt`` and ``.html``, one message per person over one connection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string


def send_to_each(
    users: Iterable[Any], template: str, subject: str, context: Mapping[str, Any]
) -> int:
    """Send ``template`` to each person, with ``user`` added to the context; returns how many."""
    messages = []
    for user in users:
        ctx = {**context, "user": user}
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"emails/{template}.txt", ctx),
            to=[user.email],
        )
        message.attach_alternative(render_to_string(f"emails/{template}.html", ctx), "text/html")
        messages.append(message)
    if messages:
        get_connection().send_messages(messages)
    return len(messages)
