"""One way to tell people: a notification in the app and, where they want it, an e-mail.

Every notice Charter sends (reviews, comments, acknowledgement requests, reminders, review
cycles, digests) goes through ``tell``. The notification is written in the caller's
transaction, so it commits with the change it announces; so is the e-mail, as a row of the
outbox (``accounts/outbox.py``), sent once that transaction has committed (at once when there
is none) and retried until the mail server accepts it. What a person must act on is
always e-mailed; comments are news, so they are e-mailed only to people who keep comment
e-mails on.
Invitations are the one e-mail sent without this: the person cannot sign in yet.

A notice asking for work names it with ``About`` (what kind of work, about which thing). The
service that finishes the work calls ``resolve`` inside its own transaction, so the notice
stops counting as new at the moment the work is done, whoever did it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from . import outbox
from .models import Notification, Organization, User

BATCH_SIZE = 2000
MESSAGE_MAX = 300  # Notification.message's length


class Topic(enum.Enum):
    """What a notice is about, which decides whether it also comes by e-mail."""

    ACTION = "action"  # something to do: a review to sign, a guideline to acknowledge
    COMMENT = "comment"  # news from a review's discussion


Work = Notification.Work


@dataclass(frozen=True)
class About:
    """The piece of work a notice asks for: its kind and the thing it is about."""

    work: Work
    subject: str  # "review:12", "version:34", "guideline:5"


def review_subject(review_id: int) -> str:
    return f"review:{review_id}"


def version_subject(version_id: int) -> str:
    return f"version:{version_id}"


# Bumped whenever this thread writes or closes notices: a count read earlier in the same
# request (the navigation's unread badge) knows it must be read again.
_generation: ContextVar[int] = ContextVar("charter_notices_generation", default=0)


def generation() -> int:
    """How many times this thread has written or closed notices (compare, never interpret)."""
    return _generation.get()


def _changed() -> None:
    _generation.set(_generation.get() + 1)


def closed_in_own_statement() -> None:
    """A hot path closed notices with a statement of its own (publishing.ack_statements):
    a count read earlier in the same request is read again, as after ``resolve``."""
    _changed()


def guideline_subject(guideline_id: int) -> str:
    return f"guideline:{guideline_id}"


def resolve(*about: About, user_ids: Iterable[int] | None = None) -> int:
    """Mark the open notices about this work done (for these people only, when given).

    One UPDATE however many notices there are; call it in the transaction that finishes the
    work. Returns how many notices were closed.
    """
    if not about:
        return 0
    sql, params = resolve_statement(*about, user_ids=user_ids)
    with connections[router.db_for_write(Notification)].cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def resolve_statement(
    *about: About, user_ids: Iterable[int] | None = None
) -> tuple[str, list[Any]]:
    """``resolve``'s UPDATE as SQL and parameters, for a hot path that runs it as one part of
    a larger statement (PostgreSQL's data-modifying ``WITH``) inside the transaction that
    finishes the work; the caller must run it there.

    Written out rather than compiled by the ORM, which would cost more than the rest of an
    acknowledgement's Python; ``resolve`` runs the same statement on its own."""
    if not about:
        raise ValueError("resolve_statement needs the work it resolves")
    ops = connections[router.db_for_write(Notification)].ops
    quote = ops.quote_name
    meta = Notification._meta
    table = quote(meta.db_table)
    columns = {field.name: str(field.column) for field in meta.concrete_fields}
    work, subject, done, read, user = (
        quote(columns[name]) for name in ("work", "subject", "done_at", "read_at", "user")
    )
    # As the ORM stores a time (SQLite keeps text in its own format).
    now = ops.adapt_datetimefield_value(timezone.now())
    which = " OR ".join(f"({work} = %s AND {subject} = %s)" for _ in about)
    sql = (
        f"UPDATE {table} SET {done} = %s, {read} = COALESCE({read}, %s) "  # noqa: S608 (names from the model)
        f"WHERE ({which}) AND {done} IS NULL"
    )
    params: list[Any] = [now, now]
    for item in about:
        params += [str(item.work), item.subject]
    if user_ids is not None:
        ids = list(user_ids)
        sql += f" AND {user} IN ({', '.join(['%s'] * len(ids))})" if ids else " AND FALSE"
        params += ids
    _changed()
    return sql, params


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
    about: About | None = None,
    ref: str = "",
) -> int:
    """Notify each person in the app (linking to ``url``) and e-mail those who want it.

    ``about`` names the work the notice asks for, so that finishing it clears the notice.

    The e-mail's context gets ``organization`` and, when there is a ``url``, the absolute
    ``link`` and ``user``. ``ref`` names what it is about ("ack:<campaign id>"), so that a
    failed e-mail shows on the person's row. Returns how many people were told.
    """
    people = list(users)
    _changed()
    Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                organization=organization,
                message=message[:MESSAGE_MAX],
                url=url,
                work=about.work if about else Work.NONE,
                subject=about.subject if about else "",
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
        outbox.enqueue(
            recipients,
            template=template,
            subject=subject,
            context=email_context,
            organization=organization,
            ref=ref,
        )
    return len(people)
