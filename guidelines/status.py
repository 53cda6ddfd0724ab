"""The one door through which a version's status changes, and the moves it allows.

A version is born "in review" (freezing a draft always starts its review). Reviews end it as
approved, changes requested or withdrawn; publishing moves an approved version to published,
and a newer publication in force moves it to superseded. Every app asks this module; the
version's queryset refuses any other write of the status.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction

from .models import Version, VersionStatusError

Status = Version.Status

__all__ = [
    "INITIAL",
    "TRANSITIONS",
    "VersionStatusError",
    "allowed",
    "check_move",
    "move",
    "move_many",
]

INITIAL = Status.IN_REVIEW

# (status before, status after). Anything not listed is refused: changes requested, withdrawn
# and superseded are final (a revision is a new version).
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (Status.IN_REVIEW, Status.APPROVED),
        (Status.IN_REVIEW, Status.CHANGES_REQUESTED),
        (Status.IN_REVIEW, Status.WITHDRAWN),
        (Status.APPROVED, Status.PUBLISHED),
        (Status.PUBLISHED, Status.SUPERSEDED),
    }
)


def allowed(current: str, target: str) -> bool:
    return (current, target) in TRANSITIONS


def _label(status: str) -> str:
    return str(Status(status).label).lower()


def check_move(current: str, target: str) -> None:
    """Refuse a move the table does not list, saying where the version stands."""
    if not allowed(current, target):
        raise VersionStatusError(
            f"A version that is {_label(current)} cannot become {_label(target)}."
        )


def move(version: Version, *, to: str) -> None:
    """Move one version from the status it was read with to ``to``, or refuse.

    The write is conditional on the status still being the one read, so a change made by
    someone else in the meantime is refused rather than overwritten.
    """
    check_move(version.status, to)
    matched = Version.objects.filter(pk=version.pk, status=version.status)._write_status(to)
    if matched != 1:
        raise VersionStatusError(
            f"This version is no longer {_label(version.status)}: someone else changed it. "
            "Reload the page to see where it stands."
        )
    version.status = to


def move_many(pks: Collection[int], *, from_: str, to: str) -> int:
    """Move several versions, all ``from_`` → ``to``, or none of them (for example when a
    newer publication supersedes every older one)."""
    check_move(from_, to)
    wanted = set(pks)
    if not wanted:
        return 0
    with transaction.atomic():
        matched = Version.objects.filter(pk__in=wanted, status=from_)._write_status(to)
        if matched != len(wanted):
            raise VersionStatusError(
                f"Some of these versions are no longer {_label(from_)}: someone else changed "
                "them. Nothing was changed."
            )
    return matched
