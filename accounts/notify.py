"""One way to tell people: a notification in the app and, where they want it, an e-mail.

Every notice Charter sends (reviews, comments, acknowledgement requests, reminders, review
cycles, digests) goes through ``tell``. The notification is written in the caller's
transaction, so it commits with the change it announces; the e-mail goes once that
transaction has committed (at once when there is none). What a person must act on is
always e-mailed; comments are news, so they are e-mailed only to people who keep comment
e-mails on.
Invitations are the one e-mail sent without this: the person cannot sign in yet.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction

from config.mail import send_to_each

from .models import Notification, Organization, User

BATCH_SIZE = 2000
MESSAGE_MAX = 300  # Notification.message's length


class Topic(enum.Enum):
    """What a notice is about, which decides whether it also comes by e-mail."""

    ACTION = "action"  # something to do: a review to sign, a guideline to acknowledge
    COMMENT = "comment"  # news from a review's discussion


def wants_email(user: User, topic: Topic) -> bool:
    """Whether this person gets this kind of notice by e-mail as well as in the app."""
    return topic is Topic.ACTION or user.email_comments


def tell(
    users: Iterable[User],
    *,
    organization: Organization,
    message: str,
    url: str,
    template: str,
    subject: str,
    context: Mapping[str, Any] | None = None,
    topic: Topic = Topic.ACTION,
) -> int:
    """Notify each person in the app (linking to ``url``) and e-mail those who want it.

    The e-mail's context gets ``organization`` and, when there is a ``url``, the absolute
    ``link``; ``send_to_each`` adds ``user``. Returns how many people were told.
    """
    people = list(users)
    Notification.objects.bulk_create(
        [
            Notification(
                user=user, organization=organization, message=message[:MESSAGE_MAX], url=url
            )
            for user in people
        ],
        batch_size=BATCH_SIZE,
    )
    email_context: dict[str, Any] = {"organization": organization}
    if url:
        email_context["link"] = settings.SITE_URL + url
    email_context.update(context or {})
    recipients = [u for u in people if wants_email(u, topic)]
    if recipients:
        transaction.on_commit(partial(send_to_each, recipients, template, subject, email_context))
    return len(people)
