"""Sent by ``record()`` for each event, inside the transaction that records it.

Whatever must happen with an audited change and roll back with it (an integration's event
outbox) listens here. On PostgreSQL the event is written by one raw statement, so Django's
``post_save`` is not sent; this signal is, on every database. ``record_many`` (bulk imports)
does not send it.
"""

from collections.abc import Callable

from django.dispatch import Signal

recorded = Signal()  # keyword argument: event (the saved AuditEvent)

# What each receiver acts on, as (action, institution id) -> bool: a hot path asks before it
# starts whether anyone will act on its event, and if nobody will, it may commit in the same
# round trip as the event's own statement (nobody has anything to add to the transaction).
_checks: list[Callable[[str, int | None], bool]] = []


def acts_on(check: Callable[[str, int | None], bool]) -> Callable[[str, int | None], bool]:
    """Register what a receiver of ``recorded`` acts on (used as a decorator)."""
    _checks.append(check)
    return check


def acted_on(action: str, organization_id: int | None) -> bool:
    """Whether a receiver would act on such an event, inside the transaction recording it.

    A receiver that has not said what it acts on (``acts_on``) is taken to act on every event.
    """
    if len(recorded.receivers) > len(_checks):
        return True
    return any(check(action, organization_id) for check in _checks)
